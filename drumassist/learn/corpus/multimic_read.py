"""Read a multi-microphone kit folder with the reader its files call for."""

from __future__ import annotations

from pathlib import Path

from drumassist.errors import CorpusError
from drumassist.learn.corpus.drumgizmo import find_drumgizmo_xml, read_drumgizmo_kit
from drumassist.learn.corpus.multimic_kit import MultimicKit, read_folder_kit


def read_multimic_kit(root: Path, *, micmap: Path | None = None) -> MultimicKit:
    """Read the multi-microphone kit in ``root``: a DrumGizmo kit or per-mic sample folders.

    Raises
    ------
    CorpusError
        If the folder holds neither, or the kit is inconsistent (the message names
        the file and the problem).
    """
    if not root.is_dir():
        raise CorpusError(f"{root}: no such kit folder")
    xml = find_drumgizmo_xml(root)
    if xml is not None:
        return read_drumgizmo_kit(xml, micmap=micmap)
    return read_folder_kit(root, micmap=micmap)
