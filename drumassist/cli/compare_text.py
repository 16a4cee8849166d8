"""``drumassist compare``'s text: the table of every method's gains, and the render's lines."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drumassist.core.multitrack import Multitrack
    from drumassist.learn.evaluate.compare import Comparison, Render

#: Track names longer than this are shortened in the middle in the table's header.
_MAX_LABEL = 10
_MIN_COLUMN = 6


def table_lines(
    multitrack: Multitrack,
    comparison: Comparison,
    *,
    width: int = 100,
    order: Sequence[int] | None = None,
) -> list[str]:
    """The comparison as text: one row per method, one column per track, the columns in
    ``order`` (track indices; the multitrack's order by default).

    Track columns that do not fit in ``width`` continue in further blocks below,
    each starting with the method names again.
    """
    from drumassist.core.mixloudness import DEFAULT_TARGET_LUFS

    ref = comparison.reference
    lines = [f"gains in dB, each balance's mono mix at {DEFAULT_TARGET_LUFS:.0f} LUFS"]
    if ref is not None:
        lines.append(f"reference: the balance of {ref.path.name} (fit R² {ref.fit_r2:.4f})")
        lines.append("R² of linear gains and balance error (RMS dB, mean removed) against it")
    rows = _rows(comparison)
    lead = max([len("method"), *(len(name) for name, _, _ in rows)])
    scored = ref is not None
    labels = [_label(n) for n in multitrack.names]
    roles = [r.value for r in multitrack.roles]
    widths = [max(_MIN_COLUMN, len(a), len(b)) for a, b in zip(labels, roles, strict=True)]
    score_widths = [
        max([_MIN_COLUMN, *(len(c[k]) for _, c, e in rows if e is None)]) for k in (0, 1)
    ]
    score_room = sum(w + 1 for w in score_widths) if scored else 0
    columns = range(len(widths)) if order is None else order
    for block_no, block in enumerate(_blocks(widths, width - lead - score_room - 1, columns)):
        scores = scored and block_no == 0
        row = functools.partial(
            _line, score_widths=score_widths, widths=widths, block=block, lead=lead
        )
        lines += ["", row("method", ("R²", "bal dB") if scores else (), labels)]
        lines.append(row("", ("", "") if scores else (), roles))
        for name, cells, error in rows:
            if error is None:
                lines.append(row(name, cells[:2] if scores else (), cells[2:]))
            elif block_no == 0:
                lines.append(f"{name:<{lead}}  error: {error}")
    return lines


def _rows(comparison: Comparison) -> list[tuple[str, list[str], str | None]]:
    """(name, [r2, balance, gain per track...], error) per row, reference first."""
    from drumassist.learn.evaluate.metrics import format_r2

    rows: list[tuple[str, list[str], str | None]] = []
    if comparison.reference is not None:
        gains = comparison.reference.suggestion.gains_db
        rows.append(("reference", ["", "", *(_gain(g, undefined=True) for g in gains)], None))
    for m in comparison.methods:
        if m.suggestion is None:
            rows.append((m.method, [], m.error))
            continue
        r2 = format_r2(m.r2)
        balance = "n/a" if not math.isfinite(m.balance_error_db) else f"{m.balance_error_db:.2f}"
        rows.append((m.method, [r2, balance, *(_gain(g) for g in m.suggestion.gains_db)], None))
    return rows


def _gain(gain_db: float, *, undefined: bool = False) -> str:
    if math.isfinite(gain_db):
        return f"{gain_db:+.1f}"
    # The reference gives -inf where the fit could not tell a stem's gain.
    return "n/a" if undefined else "off"


def _label(name: str) -> str:
    """The name, shortened in the middle to keep both ends ("Snar…om 2")."""
    if len(name) <= _MAX_LABEL:
        return name
    head = (_MAX_LABEL - 1) // 2
    return f"{name[:head]}…{name[-(_MAX_LABEL - 1 - head) :]}"


def _blocks(widths: Sequence[int], room: int, columns: Sequence[int]) -> list[list[int]]:
    """Track indices per block, in the order of ``columns``, each block fitting ``room``
    characters (at least one track)."""
    blocks: list[list[int]] = [[]]
    used = 0
    for i in columns:
        w = widths[i]
        if blocks[-1] and used + w + 1 > room:
            blocks.append([])
            used = 0
        blocks[-1].append(i)
        used += w + 1
    return blocks


def _line(
    name: str,
    scores: Sequence[str],
    cells: Sequence[str],
    *,
    score_widths: Sequence[int],
    widths: Sequence[int],
    block: Sequence[int],
    lead: int,
) -> str:
    text = f"{name:<{lead}}" + "".join(
        f" {s:>{w}}" for s, w in zip(scores, score_widths, strict=False)
    )
    text += " " + "".join(f" {cells[i]:>{widths[i]}}" for i in block)
    return text.rstrip()


def print_render(render: Render) -> None:
    """The rendered files, their loudness and peaks."""
    print()
    level = f"{render.loudness_lufs:.1f} LUFS"
    if render.lowered:  # say why it is not the target
        level += (
            f" (not {render.target_lufs:.1f}: louder, a mix would peak above"
            f" {render.ceiling_dbfs:.1f} dBFS)"
        )
    count = len(render.files)
    print(f"rendered {count} mix{'' if count == 1 else 'es'} at {level} (stereo, 24-bit):")
    for name, result in render.files.items():
        print(f"  {name:<12} {result.path}  (peak {result.peak_dbfs:+.1f} dBFS)")
