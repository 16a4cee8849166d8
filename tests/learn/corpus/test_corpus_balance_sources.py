"""The constants of the reference rule are what the human decisions measure."""

from __future__ import annotations

import pytest

from drumassist.learn.corpus.balance import AUTHOR_BALANCE_DB, ENST_OVERHEAD_VS_SNARE_DB
from drumassist.learn.corpus.balance_sources import author_balances, enst_engineer_levels
from drumassist.learn.corpus.debian import apt_available, fetch_packages


def test_enst_overheads_are_what_reverse_engineering_the_two_mixes_gives(enst_excerpt):
    dry = enst_engineer_levels(enst_excerpt, "ref_dry_mix.wav")
    wet = enst_engineer_levels(enst_excerpt, "ref_wet_mix.wav")
    assert dry.r2 > 0.98 and wet.r2 > 0.98
    measured = (dry.overhead_vs_snare_db, wet.overhead_vs_snare_db)
    assert measured == pytest.approx(ENST_OVERHEAD_VS_SNARE_DB, abs=0.05)
    assert dry.relative_db["snare"] == 0.0


@pytest.mark.slow
@pytest.mark.apt
@pytest.mark.skipif(not apt_available(), reason="apt-get and dpkg-deb are not available")
def test_author_balance_table_is_the_median_of_the_hydrogen_kits():
    found = author_balances(fetch_packages())
    assert set(found.groups) == {"black-pearl", "bja-pacific", "forzeestereo", "millo"}
    assert "ColomboAcousticDrumkit" not in found.kits  # held out
    for drum, value in AUTHOR_BALANCE_DB.items():
        assert found.median_db[drum] == pytest.approx(value, abs=0.05), drum
