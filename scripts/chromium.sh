#!/usr/bin/env bash
# chromium.sh — make sure a Chromium for the headless browser tests exists; print its path.
#
# stdout carries exactly one line (the path); progress messages go to stderr.
#
#   1. LASTMILE_CHROMIUM, when set, is the answer (a path, or a command on PATH).
#   2. Otherwise /usr/bin/chromium (Debian's package) when present, or a working chromium,
#      chromium-browser or google-chrome on PATH.
#   3. Otherwise Debian's "chromium" package is installed with apt-get. On Ubuntu, where
#      the browser is packaged as a snap, "chromium-browser" is tried instead; its /usr/bin
#      entry only works when the snap is really installed.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# works succeeds when the browser really starts (a snap stub prints a hint and fails).
works() {
	[[ -x $1 ]] && timeout 60 "$1" --headless --no-sandbox --version >/dev/null 2>&1
}

if [[ -n ${LASTMILE_CHROMIUM:-} ]]; then
	path=$(command -v "$LASTMILE_CHROMIUM" 2>/dev/null) ||
		die "LASTMILE_CHROMIUM=$LASTMILE_CHROMIUM is not an executable file or a command on PATH"
	echo "$path"
	exit 0
fi

if [[ -x /usr/bin/chromium ]]; then
	echo /usr/bin/chromium
	exit 0
fi

# A browser someone installed by other means (Chrome, a Chromium under /usr/local, ...).
for name in chromium chromium-browser google-chrome-stable google-chrome; do
	if c=$(command -v "$name" 2>/dev/null) && works "$c"; then
		echo "$c"
		exit 0
	fi
done

command -v apt-get >/dev/null 2>&1 ||
	die "Chromium is not installed and this system has no apt-get.
  Install Chromium or Chrome yourself and point LASTMILE_CHROMIUM at it, e.g.
    export LASTMILE_CHROMIUM=/path/to/chromium"

. /etc/os-release 2>/dev/null || true
if [[ ${ID:-} != ubuntu ]]; then
	log "Chromium not found; installing Debian's 'chromium' package (this takes a minute or two)"
	apt_install --no-install-recommends chromium fonts-liberation ||
		die "could not install the 'chromium' package; install a Chromium and set LASTMILE_CHROMIUM"
	works /usr/bin/chromium || die "installed 'chromium', but /usr/bin/chromium does not start"
	echo /usr/bin/chromium
	exit 0
fi

# Ubuntu: the "chromium" name either does not exist or is a transitional package for the snap.
log "Chromium not found; on Ubuntu the browser is a snap, so installing 'chromium-browser' (this may take a while)"
apt_install chromium-browser fonts-liberation || true
for c in /usr/bin/chromium /usr/bin/chromium-browser /snap/bin/chromium; do
	if works "$c"; then
		echo "$c"
		exit 0
	fi
done
die "Ubuntu's 'chromium-browser' package only installs a snap, and the snap does not run here
  (no snapd in containers, for instance). Install Google Chrome or another Chromium build and
  point LASTMILE_CHROMIUM at it, e.g.
    export LASTMILE_CHROMIUM=/usr/bin/google-chrome"
