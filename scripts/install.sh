#!/usr/bin/env bash
# Install drumassist on a Debian/Ubuntu machine with Python 3.11+:
# system libraries (apt, where allowed), a .venv, the package with its test tools.
# Then run the main job on the built-in demo, unless --no-run is given.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3-venv python3-pip        # the virtual environment
  libportaudio2                   # sounddevice playback
  libsndfile1                     # audio files (soundfile's wheel also bundles one)
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0   # Qt
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1   # Qt's xcb plugin
  xvfb                            # a virtual screen for screenshots and GUI checks
)

run_apt() {
  if ! command -v apt-get >/dev/null; then
    echo "install: no apt-get here; install PortAudio and Qt's xcb libraries yourself" >&2
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "install: not root and no sudo; skipping system packages" >&2; return 0; fi
  fi
  $sudo apt-get update -qq || echo "install: apt-get update failed; trying the install anyway" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${APT_PACKAGES[@]}" >/dev/null
}

PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"install: drumassist needs Python 3.11 or newer, this is {sys.version.split()[0]}")
PY

run_apt
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
echo "install: drumassist $(.venv/bin/python -c 'import drumassist; print(drumassist.__version__)') is in .venv"

if [ "${1:-}" != "--no-run" ]; then
  .venv/bin/drumassist quickstart
fi
