#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: installs the system packages the tests
# use (Qt's offscreen libraries, D-Bus and gnome-keyring for the real-keyring tests, PostgreSQL
# for the shared-journal tests), a venv with the test extras, starts a throw-away PostgreSQL
# cluster, then runs pytest inside a private D-Bus session with an unlocked keyring.
# Extra arguments go to pytest (e.g. `bash tests/run.sh tests/core -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the README's apt line installs to run the till (python3-venv, Qt's xcb libraries: one
# test starts the till on Xvfb through xcb), read from README.md so the two cannot drift, and
# what only the tests use: D-Bus and gnome-keyring for the keyring tests, Xvfb, and the
# PostgreSQL server the journal tests also run on, and gdb: a hung test ends the run with every
# thread's native stack (tests/conftest.py).
readme_line=$(sed -n '/<!-- apt-line:begin -->/,/<!-- apt-line:end -->/p' README.md | grep -o 'apt-get install [^`]*' | head -n 1)
read -r -a README_PACKAGES <<<"${readme_line#apt-get install }"
SYSTEM_PACKAGES=("${README_PACKAGES[@]}" dbus dbus-x11 gnome-keyring xvfb postgresql gdb)
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

# A throw-away PostgreSQL cluster: data in a temporary folder, reached only through a unix
# socket in that folder (no TCP port), run by an unprivileged user (PostgreSQL refuses root;
# as root the tests use `nobody`), trusted on its own socket, stopped and removed on exit.
# fsync is off: durability across a power cut is not what these tests look at.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_root=$(mktemp -d)
chmod 0755 "$pg_root"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$pg_root"
  as_pg=(runuser -u nobody --)
fi
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$keyring_home" "$pg_root"
}
trap cleanup EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_root/data" -U posapp -A trust -E UTF8 --locale=C \
  --no-sync >/dev/null
# the role `till` must give its password (the keyring test); everyone else is trusted
printf 'local all till scram-sha-256\nlocal all all trust\n' >"$pg_root/data/pg_hba.conf"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -l "$pg_root/server.log" -w \
  -o "-k $pg_root -c listen_addresses= -c fsync=off" start >/dev/null
"$pg_bin/createdb" -h "$pg_root" -U posapp posapp_test
"$pg_bin/psql" -q -h "$pg_root" -U posapp -d posapp_test \
  -c "CREATE ROLE till LOGIN PASSWORD 'till-secret-for-tests'" >/dev/null
export POSAPP_TEST_POSTGRESQL_URL="postgresql://posapp@/posapp_test?host=$pg_root"
XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
  printf "posapp-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  exec .venv/bin/python -m pytest "$@"
' posapp-tests "$@" 2> >(grep -v "Failed to set fd limit" >&2)
