#!/usr/bin/env bash
# Build the one-folder Linux bundle dist/drumassist/ with PyInstaller.
#
#   packaging/build-linux.sh            build (into dist/ and build/ at the repo root)
#   packaging/build-linux.sh --smoke    build, then run packaging/smoke_test.py
#
# Uses the project's virtualenv (.venv, or $VENV); installs PyInstaller into it if missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
cd "$ROOT"

if [[ ! -x "$PY" ]]; then
    echo "build-linux.sh: no virtualenv at $VENV (set VENV=...)" >&2
    exit 1
fi
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "Installing PyInstaller into $VENV"
    "$PY" -m pip install --quiet "pyinstaller>=6.10"
fi
# The app itself must be importable from the venv (editable install or the source tree).
"$PY" -c "import drumassist" || { echo "drumassist is not importable from $VENV" >&2; exit 1; }

if [[ ! -d drumassist/resources/models/default ]]; then
    echo "note: drumassist/resources/models/default is absent; the bundle will have no default model"
fi

start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean \
    --distpath "$ROOT/dist" --workpath "$ROOT/build" \
    packaging/drumassist.spec
end=$(date +%s)

bundle="$ROOT/dist/drumassist"
echo
echo "Built $bundle in $((end - start)) s"
echo "Bundle size: $(du -sh "$bundle" | cut -f1) ($(du -sb "$bundle" | cut -f1) bytes)"
echo "Compressed (tar.gz estimate): $(tar -C "$ROOT/dist" -czf - drumassist | wc -c | awk '{printf "%.0f MB", $1/1e6}')"

if [[ "${1:-}" == "--smoke" ]]; then
    "$PY" packaging/smoke_test.py "$bundle"
fi
