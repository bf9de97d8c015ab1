#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: installs the system packages the tests
# use (Qt's offscreen libraries, D-Bus and gnome-keyring for the real-keyring tests), a venv with
# the test extras, then runs pytest inside a private D-Bus session with an unlocked keyring.
# Extra arguments go to pytest (e.g. `bash tests/run.sh tests/core -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the README's apt line installs to run the till (python3-venv, Qt's xcb libraries: one
# test starts the till on Xvfb through xcb), read from README.md so the two cannot drift, and
# what only the tests use: D-Bus and gnome-keyring for the keyring tests, Xvfb.
readme_line=$(sed -n '/<!-- apt-line:begin -->/,/<!-- apt-line:end -->/p' README.md | grep -o 'apt-get install [^`]*' | head -n 1)
read -r -a README_PACKAGES <<<"${readme_line#apt-get install }"
SYSTEM_PACKAGES=("${README_PACKAGES[@]}" dbus dbus-x11 gnome-keyring xvfb)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/run.sh: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'

export QT_QPA_PLATFORM=offscreen
# A private session bus with a fresh, unlocked gnome-keyring (its own data dir, so an old
# login keyring with another password never gets in the way): the keyring tests use the real
# Secret Service, never the user's own keyring.
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
  printf "posapp-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  exec .venv/bin/python -m pytest "$@"
' posapp-tests "$@" 2> >(grep -v "Failed to set fd limit" >&2)
