"""Fetch the Hydrogen drumkits Debian ships, once, into the cache.

``apt-get download`` fetches a package file without installing it (no root needed),
and ``dpkg-deb -x`` unpacks it into ``cache_dir()/debian/<package>/``. A package is
unpacked into a temporary folder that is renamed into place, so an interrupted
fetch is redone, never half-used. The samples are GPL or CC-BY-SA: they stay in the
user's cache and are never committed or shipped.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from drumassist.core.paths import cache_dir
from drumassist.errors import CorpusError

log = logging.getLogger(__name__)

#: hydrogen-drumkits (143 MB): the acoustic kits; hydrogen-data (6.8 MB): GMRockKit
#: and the demo songs.
KIT_PACKAGES: tuple[str, ...] = ("hydrogen-drumkits", "hydrogen-data")
_TIMEOUT_S = 900


def apt_available() -> bool:
    """True where ``apt-get`` and ``dpkg-deb`` can be run."""
    return shutil.which("apt-get") is not None and shutil.which("dpkg-deb") is not None


def fetch_packages(
    packages: Sequence[str] = KIT_PACKAGES, *, folder: Path | None = None
) -> list[Path]:
    """Download and unpack Debian packages, reusing earlier unpacked copies.

    Parameters
    ----------
    packages : sequence of str
        Package names.
    folder : Path, optional
        Where to keep them; by default ``cache_dir() / "debian"``.

    Returns
    -------
    list of Path
        The unpacked root of each package, in order.

    Raises
    ------
    CorpusError
        If apt-get or dpkg-deb is missing or fails; the message says what to do.
    """
    folder = folder or cache_dir() / "debian"
    roots = []
    for package in packages:
        root = folder / package
        if not root.is_dir():
            _fetch(package, folder, root)
        roots.append(root)
    return roots


def _fetch(package: str, folder: Path, root: Path) -> None:
    if not apt_available():
        raise CorpusError(
            f"cannot fetch {package}: apt-get and dpkg-deb are needed (Debian or Ubuntu);"
            " pass --kits with a folder of Hydrogen drumkits instead"
        )
    folder.mkdir(parents=True, exist_ok=True)
    log.warning("fetching the Debian package %s into %s (once)", package, folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{package}.") as temp:
        work = Path(temp)
        _run(["apt-get", "download", package], cwd=work, what=f"apt-get download {package}")
        debs = sorted(work.glob(f"{package}_*.deb"))
        if not debs:
            raise CorpusError(f"apt-get download {package} wrote no .deb file")
        unpacked = work / "root"
        _run(
            ["dpkg-deb", "-x", str(debs[0]), str(unpacked)],
            cwd=work,
            what=f"unpacking {debs[0].name}",
        )
        unpacked.rename(root)


def _run(command: list[str], *, cwd: Path, what: str) -> None:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CorpusError(f"{what} failed ({exc})") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        hint = " (run 'apt-get update' first?)" if "apt-get" in command[0] else ""
        raise CorpusError(f"{what} failed: {detail[-1] if detail else done.returncode}{hint}")
