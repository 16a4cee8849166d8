"""Training corpora: folders of multitrack sessions with reference mixes and target gains.

Four builders write the same format (``drumassist corpus render|enst|folder``):
:func:`render_corpus` renders sessions from real recorded Hydrogen drum samples with
simulated mics (the gains the mix was made with are known),
:func:`render_multimic_corpus` renders sessions from real multi-microphone kits
(every hit recorded on all mics; the reference balance is the rule of
:mod:`~drumassist.learn.corpus.balance`), :func:`build_enst_corpus`
reads ENST-Drums in its own layout, and :func:`build_folder_corpus` reads any folder of
sessions (stems plus one mix file each). :func:`load_corpus` reads any of them.

Format, version 1
-----------------
``OUT/manifest.json``::

    {"format": "drumassist-corpus", "version": 1,
     "builder": {"command": "render", "drumassist": "0.1.0", "seed": 0, ...},
     "sessions": [{"id", "dir", "source", "group", "kit", "heldout",
                   "tracks": [track names]}, ...]}

Sessions are listed by id. The manifest holds no time stamps or absolute paths, so
the same build gives the same manifest, and its sha256
(:attr:`Corpus.manifest_sha256`) identifies the corpus in a model card.

``OUT/<id>/session.json``::

    {"format": "drumassist-corpus-session", "version": 1,
     "id", "source": "render" | "multimic" | "enst" | "folder", "group", "kit",
     "heldout": bool,
     "layout": "enst" | "varied" | null, "pattern", "seed", "tempo_bpm",
     "sample_rate", "duration_s", "mix": "mix.flac",
     "tracks": [{"name", "file", "role", "slot", "set_gain_db", "set_polarity",
                 "trim_db", "target_gain_db", "target_status",
                 "target_sign_flipped", "silent"}, ...],
     "reverse": {"r2", "latency_ms", "residual_db", "warnings": [...]}}

* ``file`` and ``mix`` are relative to the session folder (rendered sessions keep
  ``stems/<name>.flac`` and ``mix.flac``, 24-bit) or absolute (ENST and folder
  corpora reference the user's files unless built with ``--copy``).
* ``group`` is the recording group: split train and test by it, never by kit.
  Rendered kits that share samples share a group (``black-pearl``: The Black Pearl
  1.0, GMRockKit and the AVL kits; ``millo``: the three Millo kits); ENST groups
  are ``drummer_N``; a multi-mic kit is its own group (its mic map's ``group``,
  else its folder name: ``gogodze-phu-vol-ii``, ``frankensnare``); a folder
  corpus's group is the first folder below its root.
* ``slot`` is one of the eight ENST mic slots (``kick``, ``snare``, ``hi-hat``,
  ``overhead_L``, ``overhead_R``, ``tom_1``, ``tom_2``, ``tom_3``) or null.
* ``set_gain_db`` and ``set_polarity`` (1 or -1) are the mix gains where known
  (rendered sessions; the rule is in :mod:`~drumassist.learn.corpus.render`), else
  null. ``trim_db`` is a rendered mic's random input trim offset.
* ``target_gain_db`` is what :func:`drumassist.learn.reverse.engineer.reverse_engineer`
  recovers from the mix (mono fit on the mean of its channels), null where the
  gain is undefined (``target_status`` "silent" or "dependent"). A rendered snare
  bottom mic is stored as recorded (inverted) and flipped by the mix, so its target
  has ``target_sign_flipped`` true.
* ``heldout`` marks sessions of held-out kits (evaluation only).
* A session is complete once ``session.json`` exists: it is written last,
  atomically, so an interrupted build resumes where it stopped.

A newer version is refused with a CorpusError rather than misread.
"""

from typing import TYPE_CHECKING, Any

from drumassist.learn.corpus.slots import ENST_SLOTS, assign_slots
from drumassist.learn.corpus.store import (
    FORMAT,
    VERSION,
    Corpus,
    CorpusSession,
    CorpusTrack,
    load_corpus,
)

if TYPE_CHECKING:
    from drumassist.learn.corpus.adapters import build_enst_corpus, build_folder_corpus
    from drumassist.learn.corpus.jobs import BuildReport
    from drumassist.learn.corpus.multimic_plan import render_multimic_corpus
    from drumassist.learn.corpus.render_plan import render_corpus

#: The builders, imported on first use: the renderers import scipy.signal (half a
#: second), which reading a corpus (train, evaluate, their --help) never needs.
_LAZY = {
    "build_enst_corpus": "drumassist.learn.corpus.adapters",
    "build_folder_corpus": "drumassist.learn.corpus.adapters",
    "BuildReport": "drumassist.learn.corpus.jobs",
    "render_multimic_corpus": "drumassist.learn.corpus.multimic_plan",
    "render_corpus": "drumassist.learn.corpus.render_plan",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "ENST_SLOTS",
    "FORMAT",
    "VERSION",
    "BuildReport",
    "Corpus",
    "CorpusSession",
    "CorpusTrack",
    "assign_slots",
    "build_enst_corpus",
    "build_folder_corpus",
    "load_corpus",
    "render_corpus",
    "render_multimic_corpus",
]
