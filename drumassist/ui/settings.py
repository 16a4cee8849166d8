"""Settings kept between runs (QSettings in an INI file in the user's config folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from drumassist.core.session import SESSION_SUFFIX

RECENT_MAX = 8


def open_settings() -> QSettings:
    """The app's settings file (``config_dir()/drumassist.ini``)."""
    from drumassist.core.paths import config_dir

    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "drumassist.ini"), QSettings.Format.IniFormat)


def recent_label(path: Path) -> str:
    """How a recent item is listed: a folder with its parent's name ("enst-excerpt/stems":
    many stem folders are called "stems"), a session file by its own name."""
    if path.suffix == SESSION_SUFFIX or not path.parent.name:
        return path.name
    return f"{path.parent.name}/{path.name}"


class RecentList:
    """Recently opened sessions and stem folders, newest first."""

    def __init__(self, settings: QSettings, key: str = "recent/paths") -> None:
        self._settings = settings
        self._key = key

    def paths(self) -> list[Path]:
        value = self._settings.value(self._key, [])
        items = [value] if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
        return [Path(p) for p in items if Path(p).exists()]

    def add(self, path: Path) -> None:
        items = [str(path)] + [str(p) for p in self.paths() if p != path]
        self._settings.setValue(self._key, items[:RECENT_MAX])
