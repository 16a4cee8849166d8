"""Guards against a Qt binding bug that crashes the app at exit.

PySide6 6.12.0 drops a reference to ``True``/``False`` on every ``emit`` of a bool from
Python; after enough emits the interpreter aborts ("deallocating True or False").
pyproject.toml excludes that release; this test fails if a binding with the bug is
installed anyway.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)


def test_emitting_a_bool_keeps_its_reference_count(qapp):
    emitter = _Emitter()
    received: list[bool] = []
    emitter.flag.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(50):
        emitter.flag.emit(True)
    received.clear()
    assert sys.getrefcount(True) >= before
