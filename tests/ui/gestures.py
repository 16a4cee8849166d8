"""What a user's hands do, for the UI tests: clicks, drags, typing, drops, dialogs.

Everything goes through Qt's event system to the visible widgets (QTest or
QApplication.sendEvent of the same events a platform delivers); nothing calls a slot.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

LEFT = Qt.MouseButton.LeftButton
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def click(widget: QWidget, pos: QPoint | None = None) -> None:
    """A left click (press and release) on ``widget``, at its centre by default."""
    QTest.mouseClick(widget, LEFT, NO_MODIFIER, pos if pos is not None else widget.rect().center())


def mouse(
    widget: QWidget,
    kind: QEvent.Type,
    pos: QPointF,
    modifiers: Qt.KeyboardModifier = NO_MODIFIER,
) -> None:
    """Send one mouse event with the left button held (QTest's mouseMove carries no button)."""
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else LEFT
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else LEFT
    global_pos = QPointF(widget.mapToGlobal(pos.toPoint()))
    QApplication.sendEvent(widget, QMouseEvent(kind, pos, global_pos, button, held, modifiers))


def drag(
    widget: QWidget,
    start: QPointF,
    delta: QPointF,
    modifiers: Qt.KeyboardModifier = NO_MODIFIER,
    steps: int = 4,
) -> None:
    """Press at ``start``, move by ``delta`` in ``steps`` steps, release."""
    mouse(widget, QEvent.Type.MouseButtonPress, start, modifiers)
    for step in range(1, steps + 1):
        mouse(widget, QEvent.Type.MouseMove, start + delta * (step / steps), modifiers)
    mouse(widget, QEvent.Type.MouseButtonRelease, start + delta, modifiers)


def type_text(widget: QWidget, text: str, *, enter: bool = True) -> None:
    """Click into ``widget``, select what is there, type ``text`` and press Enter."""
    click(widget)
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)
    if enter:
        QTest.keyClick(widget, Qt.Key.Key_Return)


def choose_in_combo(combo: QComboBox, text: str) -> None:
    """Open the drop-down with a click and click the item reading ``text``."""
    index = combo.findText(text)
    assert index >= 0, f"no item {text!r} in {[combo.itemText(i) for i in range(combo.count())]}"
    click(combo)
    view = combo.view()
    assert view.isVisible(), "the drop-down did not open"
    # The drop-down ignores a release within a double-click time of opening (it takes it
    # for the end of the click that opened it), as it would from a real hand.
    QTest.qWait(QApplication.doubleClickInterval() + 50)
    rect = view.visualRect(view.model().index(index, 0))
    QTest.mouseClick(view.viewport(), LEFT, NO_MODIFIER, rect.center())


def drop(window: QWidget, paths: list[Path]) -> None:
    """Drag ``paths`` over the window and drop them, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, LEFT, NO_MODIFIER)
    enter = QDragEnterEvent(QPoint(50, 50), *args)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(50, 50), *args)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()


def when_dialog(answer: Callable[[QDialog], None], *, timeout_ms: int = 10000) -> list[str]:
    """Answer the next modal dialog with ``answer(dialog)`` once it is up.

    Returns a list that gets the dialog's class name, so the test can check one came.
    """
    seen: list[str] = []
    waited = [0]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and dialog.isVisible():
            seen.append(type(dialog).__name__)
            try:
                answer(dialog)
            finally:
                # A dialog the answer did not close must not hang the test: close it.
                QTimer.singleShot(3000, lambda: _give_up(dialog, seen))
        elif waited[0] < timeout_ms:
            waited[0] += 20
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def _give_up(dialog: QDialog, seen: list[str]) -> None:
    import shiboken6

    if shiboken6.isValid(dialog) and dialog.isVisible():
        seen.append("still open, rejected")
        dialog.reject()


def type_file_name(path: Path) -> Callable[[QDialog], None]:
    """An answer for a file dialog: paste ``path`` into the name field, click Open/Save.

    Pasted in one go, as from a file manager: typed character by character, the
    dialog would act on the first "/" and go to the root folder.
    """

    def answer(dialog: QDialog) -> None:
        assert isinstance(dialog, QFileDialog)
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        assert edit is not None
        QApplication.clipboard().setText(str(path))
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        QTest.qWait(50)
        box = dialog.findChild(QDialogButtonBox)
        assert box is not None
        accept = next(
            b for b in box.buttons() if box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole
        )
        click(accept)

    return answer


def press_button(which: QMessageBox.StandardButton | QDialogButtonBox.StandardButton):
    """An answer for a message box or button-box dialog: click the button ``which``."""

    def answer(dialog: QDialog) -> None:
        if isinstance(dialog, QMessageBox):
            button: QAbstractButton | None = dialog.button(which)  # type: ignore[arg-type]
        else:
            box = dialog.findChild(QDialogButtonBox)
            assert box is not None
            button = box.button(which)  # type: ignore[arg-type]
        assert button is not None
        click(button)

    return answer


def click_menu(window: QWidget, menu_title: str, item_text: str) -> None:
    """Open a menu of the menu bar with a click and click one of its entries.

    The title is clicked at its place in the menu bar; once the menu's popup is
    shown, the entry is clicked at its place in the popup.
    """
    from PySide6.QtWidgets import QMainWindow

    assert isinstance(window, QMainWindow)
    bar = window.menuBar()
    titles = {a.text().replace("&", ""): a for a in bar.actions()}
    assert menu_title in titles, f"no {menu_title} menu in {list(titles)}"
    menu = titles[menu_title].menu()
    assert menu is not None
    click(bar, bar.actionGeometry(menu.menuAction()).center())
    for _ in range(250):  # wait up to 5 s for the popup
        if menu.isVisible():
            break
        QTest.qWait(20)
    assert menu.isVisible(), f"the {menu_title} menu did not open"
    items = {a.text().replace("&", ""): a for a in menu.actions()}
    assert item_text in items, f"no {item_text} in {menu_title}: {list(items)}"
    entry = items[item_text]
    assert entry.isEnabled(), f"{menu_title} > {item_text} is disabled"
    click(menu, menu.actionGeometry(entry).center())


def strip_named(window: QWidget, name: str) -> QWidget:
    """The channel strip of track ``name`` in the window's mixer."""
    return next(s for s in window.mixer.strips if s.name == name)


def drag_header_to(window: QWidget, name: str, target_name: str, *, x_fraction: float) -> None:
    """Drag strip ``name`` by its header onto ``target_name``'s strip, at x_fraction of it."""
    header = strip_named(window, name).header
    target = strip_named(window, target_name)
    start = QPointF(header.width() / 2, header.height() / 2)
    end_global = (
        target.mapToGlobal(target.rect().topLeft())
        + QPointF(target.width() * x_fraction, 10).toPoint()
    )
    end = QPointF(header.mapFromGlobal(end_global))
    mouse(header, QEvent.Type.MouseButtonPress, start)
    for step in range(1, 9):
        mouse(header, QEvent.Type.MouseMove, start + (end - start) * (step / 8))
    assert window.mixer.drop_marker.isVisible()  # where the strip will land is shown
    mouse(header, QEvent.Type.MouseButtonRelease, end)


def shortcut(window: QWidget, key: Qt.Key, modifiers: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    """Press a keyboard shortcut in ``window``, brought to the front first (as after a
    dialog closes, when a user clicks back into the window)."""
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    QTest.keyClick(window, key, modifiers)
