#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` for two prefixes other than the configured one: every
# installed unit's Exec*= names a binary under P/bin that was installed there, and the
# example configuration is under /etc/bedrock-tenantd whatever the prefix.
set -euo pipefail
build=${1:?build directory}
work=$(mktemp -d /tmp/btd-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

for prefix in /usr /opt/bedrock-tenantd; do
	root=$work/root${prefix//\//_}
	DESTDIR=$root cmake --install "$build" --prefix "$prefix" >"$work/install.log" ||
		fail "cmake --install --prefix $prefix: $(cat "$work/install.log")"
	units=("$root$prefix"/lib/systemd/system/*.service)
	[ -e "${units[0]}" ] || fail "no unit installed under $prefix/lib/systemd/system"
	for unit in "$root$prefix"/lib/systemd/system/*; do
		{ grep -E '^Exec[A-Za-z]*=' "$unit" || true; } | while IFS= read -r line; do
			cmd=${line#*=}
			cmd=${cmd#[-@+!:]}
			bin=${cmd%% *}
			case "$bin" in
			/bin/* | /usr/bin/kill) continue ;; # system tools (ExecReload=/bin/kill)
			esac
			[ "${bin%/*}" = "$prefix/bin" ] || fail "$(basename "$unit"): '$line' does not name $prefix/bin"
			[ -x "$root$bin" ] || fail "$(basename "$unit"): $bin is not installed"
		done
	done
	[ -f "$root/etc/bedrock-tenantd/config.yaml" ] || fail "no /etc/bedrock-tenantd/config.yaml for prefix $prefix"
	echo "prefix $prefix: $(ls "$root$prefix"/lib/systemd/system | tr '\n' ' ')"
done

# an operator's configuration is never overwritten by a later install
root=$work/root_usr
echo "# mine" >"$root/etc/bedrock-tenantd/config.yaml"
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
[ "$(cat "$root/etc/bedrock-tenantd/config.yaml")" = "# mine" ] || fail "cmake --install overwrote the configuration"
echo "ok"
