"""Freed memory kept for reuse in a command's process (core.memory).

Page faults are counted in a fresh process each: a 64 MB temporary made again after
being freed faults its pages in again by default, and not once freed memory is kept.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from drumassist.cli import build_parser

CYCLES = """
import json, resource, sys
import numpy as np
from drumassist.core.memory import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else False
np.ones(8_000_000)  # 64 MB, faulted in once either way
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    a = np.ones(8_000_000)
    del a
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"kept": kept, "faults": faults}))
"""


def _cycles(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CYCLES, mode], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_a_freed_temporary_is_reused_without_faulting_its_pages_in_again() -> None:
    default, kept = _cycles("default"), _cycles("keep")
    if not kept["kept"]:
        pytest.skip("this C library's allocator takes no mmap or trim threshold (not glibc)")
    assert default["kept"] is False
    # Each new temporary is faulted in again: at least its 2 MB huge pages (numpy asks
    # for them on large blocks), 4 KB pages where the kernel gives none.
    assert default["faults"] >= 5 * 64_000_000 // (2 << 20)
    assert kept["faults"] * 20 < default["faults"]  # reused: next to none


def test_commands_keep_freed_memory_and_the_window_does_not(monkeypatch, tmp_path) -> None:
    from drumassist.cli import main
    from drumassist.core import memory

    calls: list[str] = []
    monkeypatch.setattr(memory, "keep_freed_memory", lambda: calls.append("kept") or True)
    monkeypatch.setattr(memory, "skip_huge_page_advice", lambda: calls.append("small") or True)
    assert main(["demo", str(tmp_path / "demo"), "--duration", "2"]) == 0
    assert calls == ["kept", "small"]
    # The window stays open: it must give its memory back. With no display `gui` stops
    # with an error at once, after the point where a command keeps freed memory.
    # (No display here is stood in for where there is one: macOS, Windows.)
    monkeypatch.setattr("drumassist.cli.commands.has_display", lambda: False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert main(["gui"]) == 1
    assert calls == ["kept", "small"]
    for words in (["gui"], ["quickstart"]):
        assert build_parser(words).parse_args(words).opens_window is True


ADVICE = """
import json, os, sys
from drumassist.core.memory import skip_huge_page_advice
if sys.argv[1] == "late":
    import numpy
done = skip_huge_page_advice()
from numpy._core import multiarray
variable = os.environ.get("NUMPY_MADVISE_HUGEPAGE")
advice = multiarray._set_madvise_hugepage(False)
print(json.dumps({"done": done, "advice": advice, "variable": variable}))
"""


def _advice(when: str, **env: str) -> dict[str, object]:
    import os

    environment = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    done = subprocess.run(
        [sys.executable, "-c", ADVICE, when],
        capture_output=True, text=True, check=True, env={**environment, **env},
    )  # fmt: skip
    return json.loads(done.stdout)


LINUX_ONLY = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="numpy advises huge pages on Linux only"
)


@LINUX_ONLY
def test_huge_page_advice_is_turned_off_before_and_after_numpy_is_imported() -> None:
    # numpy's own switch answers with its previous setting: False means the advice was off.
    for when in ("early", "late"):
        result = _advice(when)
        assert result["done"] is True
        assert result["advice"] is False, when
        assert result["variable"] == "0", when  # for numpy here and in workers


@LINUX_ONLY
def test_a_huge_page_setting_the_user_made_is_kept() -> None:
    result = _advice("early", NUMPY_MADVISE_HUGEPAGE="1")
    assert result == {"done": False, "advice": True, "variable": "1"}
