#!/usr/bin/env bash
# cc.sh — make sure a C compiler exists: the race detector (go test -race) needs cgo.
# Installs gcc with apt-get when none is found. Prints nothing on stdout.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cc=$(go env CC)
if command -v "${cc%% *}" >/dev/null 2>&1; then
	exit 0
fi
command -v apt-get >/dev/null 2>&1 ||
	die "go test -race needs a C compiler ('$cc' not found); install gcc (or clang and set CC)"
log "no C compiler found ('$cc'); the race detector needs one, installing gcc"
apt_install gcc libc6-dev || die "could not install gcc; install a C compiler by hand"
