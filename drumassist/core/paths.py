"""Where drumassist keeps its files on the user's machine (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "drumassist"


def data_dir() -> Path:
    """The user's data folder (the demo multitrack lives here).

    ``DRUMASSIST_DATA_DIR`` overrides it, for tests and portable installs.
    """
    override = os.environ.get("DRUMASSIST_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """The user's cache folder (feature cache, fetched sample kits).

    ``DRUMASSIST_CACHE_DIR`` overrides it, for tests.
    """
    override = os.environ.get("DRUMASSIST_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


#: The built-in demo's folders in the data folder: this, then the seed.
DEMO_FOLDER_PREFIX = "demo-seed"


def demo_folder(*, seed: int = 0) -> Path:
    """The built-in demo multitrack, generated into the data folder on first use."""
    from drumassist.core.demo import DEMO_TRACKS, write_demo

    folder = data_dir() / f"{DEMO_FOLDER_PREFIX}{seed}"
    if not all((folder / f"{name}.wav").is_file() for name in DEMO_TRACKS):
        write_demo(folder, seed=seed, overwrite=True)
    return folder


def config_dir() -> Path:
    """The user's settings folder (window layout, recent sessions, audio device).

    ``DRUMASSIST_CONFIG_DIR`` overrides it, for tests.
    """
    override = os.environ.get("DRUMASSIST_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """The user's log folder. ``DRUMASSIST_LOG_DIR`` overrides it, for tests."""
    override = os.environ.get("DRUMASSIST_LOG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)


def resources_dir() -> Path:
    """The shipped resources (models, icons): the package data ``drumassist/resources/``.

    The same place in a source checkout, an installed wheel and the frozen app.
    """
    return Path(__file__).resolve().parents[1] / "resources"


def is_demo_folder(folder: Path) -> bool:
    """True for a folder :func:`demo_folder` writes (any seed)."""
    resolved = folder.resolve()
    return resolved.parent == data_dir().resolve() and resolved.name.startswith(DEMO_FOLDER_PREFIX)
