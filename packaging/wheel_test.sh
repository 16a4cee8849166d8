#!/usr/bin/env bash
# Build the wheel, install it into a fresh venv outside the checkout, and run
# `drumassist demo` and `drumassist suggest` (the default model) from that venv.
# Fails if the wheel lacks its models or icons, or if the suggestion fails.
#
#   packaging/wheel_test.sh            # the checkout's .venv builds the wheel
#   PYTHON=python3.12 packaging/wheel_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}

work=$(mktemp -d -t drumassist-wheel-XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "wheel test in $work"

# Build from a copy of the source (tracked and new files, not ignored ones), so the
# build leaves no build/ or egg-info behind in the checkout.
mkdir -p "$work/src" "$work/dist"
git ls-files -z --cached --others --exclude-standard \
    | tar --create --null --files-from=- | tar --extract --directory="$work/src"
"$PY" -m pip wheel --quiet --no-deps "$work/src" --wheel-dir "$work/dist"
wheel=$(ls "$work"/dist/drumassist-*.whl)
echo "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
for member in drumassist/resources/models/default/model_card.json \
              drumassist/resources/icons/drumassist-64.png; do
    "$PY" - "$wheel" "$member" <<'PY'
import sys, zipfile
if sys.argv[2] not in zipfile.ZipFile(sys.argv[1]).namelist():
    sys.exit(f"wheel test: {sys.argv[2]} is not in the wheel")
PY
done

"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"

# Run from outside the checkout, with the user folders in the temporary directory.
cd "$work"
export DRUMASSIST_DATA_DIR="$work/data" DRUMASSIST_CACHE_DIR="$work/cache"
export DRUMASSIST_CONFIG_DIR="$work/config" QT_QPA_PLATFORM=offscreen
unset PYTHONPATH
where=$("$work/venv/bin/python" -c "import drumassist; print(drumassist.__file__)")
case "$where" in
    "$work/venv/"*) ;;
    *) echo "wheel test: drumassist was imported from $where, not the fresh venv" >&2; exit 1 ;;
esac
"$work/venv/bin/drumassist" demo "$work/demo"
"$work/venv/bin/drumassist" suggest "$work/demo" --json > "$work/suggestion.json"
"$work/venv/bin/python" - "$work/suggestion.json" <<'PY'
import json, math, sys
doc = json.load(open(sys.argv[1]))
tracks = doc["tracks"]
gains = [t["gain_db"] for t in tracks]
if len(tracks) != 8 or not all(isinstance(g, (int, float)) and math.isfinite(g) for g in gains):
    sys.exit(f"wheel test: expected 8 finite gains, got {gains}")
print(f"wheel test: suggest gave {len(tracks)} gains with model {doc.get('model')!r}")
PY
echo "wheel test: passed"
