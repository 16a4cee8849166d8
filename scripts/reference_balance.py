"""Print the human balance decisions behind the multi-mic reference rule.

    python scripts/reference_balance.py [HYDROGEN_DIR ...]

Hydrogen kit authors: each drum's balanced hit level relative to the snare, per kit,
per recording group and the median (``AUTHOR_BALANCE_DB`` in
``drumassist/learn/corpus/balance.py``). By default the Debian packages
hydrogen-drumkits and hydrogen-data are fetched into the cache. ENST engineer: the
contribution levels in ``../shared/fixtures/enst-excerpt``'s two mixes, relative to
the snare close mic (``ENST_OVERHEAD_VS_SNARE_DB``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from drumassist.learn.corpus.balance import AUTHOR_BALANCE_DB, ENST_OVERHEAD_VS_SNARE_DB
from drumassist.learn.corpus.balance_sources import author_balances, enst_engineer_levels
from drumassist.learn.corpus.debian import fetch_packages

ENST = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "enst-excerpt"


def main() -> None:
    dirs = [Path(a) for a in sys.argv[1:]] or fetch_packages()
    found = author_balances(dirs)
    drums = sorted(found.median_db)
    print("Hydrogen authors: balanced hit level, dB relative to the snare")
    print(f"{'kit':32s}" + "".join(f"{d:>9s}" for d in drums))
    for title, rows in (("kit", found.kits), ("group", found.groups)):
        for name, row in rows.items():
            cells = "".join(f"{row[d]:9.1f}" if d in row else f"{'-':>9s}" for d in drums)
            print(f"{title + ' ' + name:32s}{cells}")
    print(f"{'median of groups':32s}" + "".join(f"{found.median_db[d]:9.1f}" for d in drums))
    print(f"{'table in balance.py':32s}" + "".join(
        f"{AUTHOR_BALANCE_DB.get(d, float('nan')):9.1f}" for d in drums))  # fmt: skip
    if not (ENST / "stems").is_dir():
        print(f"\nENST excerpt not found at {ENST}")
        return
    print("\nENST engineer: contribution levels (K-weighted), dB relative to the snare")
    for mix in ("ref_dry_mix.wav", "ref_wet_mix.wav"):
        levels = enst_engineer_levels(ENST, mix)
        cells = ", ".join(f"{n} {v:+.1f}" for n, v in sorted(levels.relative_db.items()))
        print(f"{mix}: R² {levels.r2:.3f}; {cells}")
        print(f"  overhead pair vs snare: {levels.overhead_vs_snare_db:+.2f} dB")
    print(f"table in balance.py: {ENST_OVERHEAD_VS_SNARE_DB}")


if __name__ == "__main__":
    main()
