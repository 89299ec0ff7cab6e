# shellcheck shell=bash
# Helpers shared by the scripts in this directory. Source it; do not run it.
# Everything here writes to stderr: the scripts keep stdout for their one-line answer.

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# as_root runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run '$*', and sudo is not installed"
	fi
}

# apt_install installs Debian/Ubuntu packages without prompting.
# The package lists are refreshed once per script run.
_apt_updated=
apt_install() {
	command -v apt-get >/dev/null 2>&1 || return 1
	if [[ -z $_apt_updated ]]; then
		log "refreshing the package lists (apt-get update)"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
		_apt_updated=1
	fi
	log "installing: $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
