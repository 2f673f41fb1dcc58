#!/usr/bin/env bash
# Refreshes .ci/advisories/db from a local clone of the RustSec advisory database (CC0-1.0), keeping
# only the advisories of crates that Cargo.lock names: CI has no network beyond the package registries,
# so cargo-deny reads this copy instead of fetching. Usage: .ci/advisories/refresh.sh PATH-TO-CLONE
set -euo pipefail
src=${1:?usage: refresh.sh PATH-TO-ADVISORY-DB-CLONE}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$here/db"
mkdir -p "$here/db/crates"
git -C "$src" archive HEAD LICENSE.txt | tar -x -C "$here/db"
for c in $(sed -n 's/^name = "\(.*\)"$/\1/p' "$root/Cargo.lock" | sort -u); do
  if git -C "$src" cat-file -e "HEAD:crates/$c" 2>/dev/null; then
    git -C "$src" archive HEAD "crates/$c" | tar -x -C "$here/db"
  fi
done
git -C "$src" log -1 --format='%H %cI' > "$here/db/SNAPSHOT"
echo "advisories of $(ls "$here/db/crates" | wc -l) crates, snapshot $(cat "$here/db/SNAPSHOT")"
