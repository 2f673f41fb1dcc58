#!/usr/bin/env bash
# Writes the shell completions and the man page that release archives carry (dist/), from the
# binary given (default: target/debug/authcheck). tests/packaging.rs fails when they are stale:
# after changing a command or a flag, run `cargo build && bash .ci/shell-files.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/authcheck}"
for shell in bash zsh fish powershell elvish; do
  case $shell in
    bash) out=dist/completions/authcheck.bash ;;
    zsh) out=dist/completions/_authcheck ;;
    fish) out=dist/completions/authcheck.fish ;;
    powershell) out=dist/completions/_authcheck.ps1 ;;
    elvish) out=dist/completions/authcheck.elv ;;
  esac
  "$bin" completions "$shell" > "$out"
done
rm -f dist/man/*.1
"$bin" man --out-dir dist/man
