#!/usr/bin/env bash
# cargo-deny over the workspace: advisories, licenses, bans (duplicate versions) and sources (deny.toml
# explains each exception). CI reaches no network beyond the package registries, so the advisory
# database is the snapshot in .ci/advisories/db (see .ci/advisories/refresh.sh), laid out as the git
# clone cargo-deny expects under target/advisory-dbs.
set -euo pipefail
cd "$(dirname "$0")/.."
snapshot=.ci/advisories/db
dest=target/advisory-dbs/advisory-db-3157b0e258782691   # cargo-deny's folder name for the RustSec URL
when=$(cut -d' ' -f2 "$snapshot/SNAPSHOT")
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$snapshot/." "$dest/"
git -C "$dest" init -q
git -C "$dest" add -A
GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when \
  git -C "$dest" -c user.name=authcheck-ci -c user.email=ci@authcheck.invalid commit -qm "RustSec snapshot $(cut -d' ' -f1 "$snapshot/SNAPSHOT")"
echo "advisory database: RustSec snapshot of $when ($(ls "$snapshot/crates" | wc -l) crates with advisories that Cargo.lock names)"
cargo deny --offline check advisories licenses bans sources
