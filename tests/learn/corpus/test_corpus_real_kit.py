"""A rendered corpus from the real GMRockKit of the Debian package hydrogen-data (6.8 MB).

CI runs this: it fetches the package with ``apt-get download`` into the test's cache
(the runner needs ``apt-get update`` first). It is skipped only where apt-get is absent.
"""

from __future__ import annotations

import pytest

from drumassist.learn.corpus import load_corpus, render_corpus
from drumassist.learn.corpus.debian import apt_available, fetch_packages

pytestmark = [
    pytest.mark.slow,
    pytest.mark.apt,
    pytest.mark.skipif(not apt_available(), reason="apt-get and dpkg-deb are not available"),
]


def test_gmrockkit_sessions_recover_the_set_balance(tmp_path):
    (root,) = fetch_packages(["hydrogen-data"])
    assert fetch_packages(["hydrogen-data"]) == [root]  # cached: no second download
    report = render_corpus(tmp_path / "out", sessions=2, kit_dirs=[root], duration_s=8.0, seed=1)
    assert not report.failed
    corpus = load_corpus(tmp_path / "out")
    assert {s.kit for s in corpus.sessions} == {"GMRockKit"}  # TR808EmulationKit is left out
    assert corpus.groups == ("black-pearl",)
    for session in corpus.sessions:
        assert len(session.tracks) >= 6
        for track in session.tracks:
            assert track.target_status == "ok", (session.id, track.name)
            assert track.target_gain_db == pytest.approx(track.set_gain_db, abs=0.1)
