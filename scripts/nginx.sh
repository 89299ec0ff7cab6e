#!/usr/bin/env bash
# nginx.sh — make sure an nginx binary exists; print its path.
#
# stdout carries exactly one line (the path); progress messages go to stderr.
#
#   1. LASTMILE_NGINX, when set, is the answer (a path, or a command on PATH).
#   2. Otherwise /usr/sbin/nginx, or nginx on PATH.
#   3. Otherwise the Debian/Ubuntu "nginx" package is installed with apt-get. Its
#      maintainer scripts may start the distribution's own nginx on port 80; lastmile
#      does not use it (scripts/scale-check.sh runs its own, from a config of its own).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -n ${LASTMILE_NGINX:-} ]]; then
	path=$(command -v "$LASTMILE_NGINX" 2>/dev/null) ||
		die "LASTMILE_NGINX=$LASTMILE_NGINX is not an executable file or a command on PATH"
	echo "$path"
	exit 0
fi

find_nginx() {
	if [[ -x /usr/sbin/nginx ]]; then
		echo /usr/sbin/nginx
	else
		command -v nginx 2>/dev/null
	fi
}

if path=$(find_nginx); then
	echo "$path"
	exit 0
fi
command -v apt-get >/dev/null 2>&1 ||
	die "nginx is not installed and this system has no apt-get: install nginx, or set LASTMILE_NGINX to its binary"
log "nginx not found; installing the 'nginx' package"
apt_install nginx || die "could not install the 'nginx' package; install it by hand or set LASTMILE_NGINX"
path=$(find_nginx) || die "installed the 'nginx' package but still cannot find the nginx binary"
echo "$path"
