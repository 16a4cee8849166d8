"""Render drumassist/resources/icons/drumassist.svg to PNGs (16..256 px) with Qt's SVG renderer.

    python packaging/render_icons.py

Writes drumassist/resources/icons/drumassist-SIZE.png and the hicolor layout used by the .desktop
file: drumassist/resources/icons/hicolor/SIZExSIZE/apps/io.github.drumassist.png (plus scalable/).
Needs PySide6 with QtSvg (PySide6-Essentials has it); runs offscreen.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SIZES = (16, 32, 48, 64, 128, 256)
APP_ID = "io.github.drumassist"
ICONS = Path(__file__).resolve().parent.parent / "drumassist" / "resources" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    source = ICONS / "drumassist.svg"
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        print(f"render_icons: cannot read {source}", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        flat = ICONS / f"drumassist-{size}.png"
        if not image.save(str(flat), "PNG"):
            print(f"render_icons: cannot write {flat}", file=sys.stderr)
            return 1
        themed = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        themed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(flat, themed)
        print(f"wrote {flat.relative_to(ICONS.parent.parent)} ({size} px)")
    scalable = ICONS / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, scalable)
    return 0


if __name__ == "__main__":
    sys.exit(main())
