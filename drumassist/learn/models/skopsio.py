"""Reading skops files safely: every type outside an allow-list is refused before loading.

skops never unpickles; it rebuilds objects only from types it is told to trust. It
trusts common scikit-learn and numpy types itself; :func:`load_trusted` adds only the
types a model kind declares (e.g. the trees' ``Tree``) and raises a
:class:`~drumassist.errors.ModelError` naming the file for anything else, or for a file
that is not a readable skops file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from drumassist.errors import ModelError

#: What skops raises on a damaged file: not a zip, bad schema JSON, missing members.
CORRUPT = (zipfile.BadZipFile, ValueError, KeyError, TypeError, AttributeError, ImportError)


def load_trusted(path: Path, trusted: Sequence[str]) -> Any:
    """The object in the skops file ``path``; ModelError for a type not in ``trusted``."""
    import skops.io as sio

    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model ({exc.strerror})") from exc
    try:
        untrusted = sio.get_untrusted_types(data=blob)
    except CORRUPT as exc:
        raise ModelError(f"{path}: not a readable skops file ({exc})") from exc
    refused = sorted(set(untrusted) - set(trusted))
    if refused:
        raise ModelError(f"{path}: refusing to load untrusted types {', '.join(refused)}")
    try:
        return sio.loads(blob, trusted=list(untrusted))
    except CORRUPT as exc:
        raise ModelError(f"{path}: cannot load the model ({exc})") from exc
