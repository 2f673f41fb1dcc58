#!/usr/bin/env bash
# The release package, checked the way a user meets it: dist builds the host's archive and
# installers (target/distrib/), the archive's checksum is verified, the generated shell installer
# installs it from a loopback HTTP server into a temporary prefix (as `curl … | sh` would from the
# GitHub release), and the installed binary, its completions and its manual pages are run.
# Needs `dist` (cargo-dist) on PATH, python3, and man (man-db) for the manual page.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "-- dist generate --check (the release workflow matches dist-workspace.toml)"
dist generate --check

host=$(rustc -vV | sed -n 's/^host: //p')
echo "-- dist build for $host"
dist build --artifacts=all --target "$host"
out=target/distrib
archive="authcheck-$host.tar.xz"
test -f "$out/$archive" && test -f "$out/authcheck-installer.sh"
(cd "$out" && sha256sum -c "$archive.sha256")

work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "-- install with the generated shell installer into $work/prefix"
python3 -u -m http.server --bind 127.0.0.1 --directory "$out" 0 >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
test -n "$port"
INSTALLER_DOWNLOAD_URL="http://127.0.0.1:$port" CARGO_DIST_FORCE_INSTALL_DIR="$work/prefix" \
  INSTALLER_NO_MODIFY_PATH=1 HOME="$work/home" sh "$out/authcheck-installer.sh"
bin="$work/prefix/bin/authcheck"
"$bin" --version

echo "-- the installed binary triages a fixture"
set +e
printf '%s\n' "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40'." >"$work/ticket.txt"
"$bin" triage "$work/ticket.txt" --format json >"$work/report.json"
code=$?
set -e
test "$code" = 1   # an error was found: exit 1, as documented
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["findings"] and r["findings"][0]["rule"].startswith("client-secret"), r["findings"]' "$work/report.json"

echo "-- the archive carries completions and manual pages that work"
mkdir "$work/unpacked"
tar -xJf "$out/$archive" -C "$work/unpacked"
root="$work/unpacked/authcheck-$host"
for f in LICENSE README.md completions/authcheck.bash completions/_authcheck \
         completions/authcheck.fish completions/_authcheck.ps1 man/authcheck.1 \
         man/authcheck-triage.1; do
  test -f "$root/$f" || { echo "missing from the archive: $f"; exit 1; }
done
bash -n "$root/completions/authcheck.bash"
"$bin" completions bash | bash -n
MANWIDTH=80 MANPAGER=cat man -l "$root/man/authcheck-triage.1" | grep -q "triage"
echo "package ok: $archive installed and run"
