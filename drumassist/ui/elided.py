"""A label that fits its text to its width, with the whole text as its tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: A long name may break after these (and after a space): "Audio 01 -" / "Kick In".
BREAK_AFTER = " _-."


class ElidedLabel(QLabel):
    """A label of up to ``lines`` lines that shows as much of its text as fits, and all
    of it as a tooltip.

    ``mode`` says where the last line is cut: in the middle for track names (a DAW's
    names share their start, "Audio 01 - Kick In", and differ at their end), at the end
    for sentences. With two lines the text breaks after a space, ``_``, ``-`` or ``.``
    that fits, and the label keeps the height of two lines whatever it shows, so the
    rows under it stay level from strip to strip.
    """

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle,
        lines: int = 1,
    ) -> None:
        super().__init__(parent)
        if lines not in (1, 2):
            raise ValueError(f"an elided label has one or two lines, not {lines}")
        self._mode, self._lines = mode, lines
        self._full_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    @property
    def full_text(self) -> str:
        return self._full_text

    def set_full_text(self, text: str) -> None:
        """Show ``text``, fitted to the label's width."""
        self._full_text = text
        self.setToolTip(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        text = " ".join(self._full_text.splitlines())  # a line break in a file name
        if self._lines == 2:
            self.setFixedHeight(2 * metrics.lineSpacing())
            self.setText(two_lines(text, metrics, self.width(), self._mode))
        else:
            self.setText(metrics.elidedText(text, self._mode, self.width()))


def two_lines(text: str, metrics: QFontMetrics, width: int, mode: Qt.TextElideMode) -> str:
    """``text`` on one line if it fits ``width``, else on two.

    It breaks after a :data:`BREAK_AFTER` character: where both lines fit, at a break
    whose second line does not start with a separator, a space before any other, the
    most even of those ("Audio 01 -" / "Kick In", not "Audio 01" / "- Kick In" nor
    "Audio 01 - Kick" / "In"); where none does, at the last break that keeps the first line within
    the width (or between characters in one long word), the rest cut by ``mode``.
    """
    if metrics.horizontalAdvance(text) <= width:
        return text

    def split(cut: int) -> tuple[str, str]:
        return text[:cut].rstrip(), text[cut:].lstrip()

    def advance(line: str) -> int:
        return metrics.horizontalAdvance(line)

    breaks = [i + 1 for i, char in enumerate(text) if char in BREAK_AFTER]
    first_fits = [cut for cut in breaks if advance(split(cut)[0]) <= width]
    both_fit = [cut for cut in first_fits if advance(split(cut)[1]) <= width]
    if both_fit:
        # Not before a separator ("Audio 01" / "- Kick In"), then at a space, then even.
        clean = [cut for cut in both_fit if split(cut)[1][:1] not in BREAK_AFTER] or both_fit
        spaces = [cut for cut in clean if text[cut - 1] == " "] or clean
        first, rest = split(min(spaces, key=lambda cut: max(map(advance, split(cut)))))
        return f"{first}\n{rest}"
    if first_fits:
        cut = first_fits[-1]
    else:  # one long word: as many characters as fit
        cut = next((n for n in range(len(text) - 1, 0, -1) if advance(text[:n]) <= width), 1)
    first, rest = split(cut)
    return f"{first}\n{metrics.elidedText(rest, mode, width)}" if rest else first
