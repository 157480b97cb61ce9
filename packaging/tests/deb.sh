#!/usr/bin/env bash
# The Debian package, end to end without a container:
#  1. cpack builds it from BUILD (into a scratch directory);
#  2. lintian finds no error and no warning (overrides: packaging/lintian-overrides);
#  3. `dpkg --root` installs it into an empty throwaway root: --force-script-chrootless
#     runs the maintainer scripts on this host with DPKG_ROOT set (postinst creates the
#     user with `systemd-sysusers --root`), --force-depends because the root holds no
#     other package (the libraries the binaries need are this host's);
#  4. the files an operator expects are there, /etc ones as conffiles;
#  5. `systemd-analyze verify` checks every installed unit, its Exec*= pointed at the
#     binaries installed in that root.
set -euo pipefail
build=${1:?build directory}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/btd-deb-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# 1. build
cpack --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
	fail "cpack: $(cat "$work/cpack.log")"
deb=$(ls "$work"/pkg/bedrock-tenantd_*.deb)
echo "built $(basename "$deb")"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

# 2. lintian
lintian --fail-on error,warning --display-level '>=warning' "$deb" >"$work/lintian.log" 2>&1 ||
	fail "lintian: $(cat "$work/lintian.log")"
echo "lintian: clean"

# 3. install into a throwaway root
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-not-root --force-script-chrootless --force-depends --log=/dev/null \
	-i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.log")"
dpkg --root="$root" -s bedrock-tenantd | grep -qx 'Status: install ok installed' ||
	fail "not installed: $(dpkg --root="$root" -s bedrock-tenantd 2>&1)"

# 4. the files
need=(
	/usr/bin/bedrock-tenantd /usr/bin/bedrock-tenantctl /usr/bin/bedrock-tenantd-git-sync
	/usr/lib/systemd/system/bedrock-tenantd.service
	/usr/lib/systemd/system/bedrock-tenantd-git-sync.service
	/usr/lib/systemd/system/bedrock-tenantd-git-sync.timer
	/usr/lib/sysusers.d/bedrock-tenantd.conf
	/etc/bedrock-tenantd/config.yaml /etc/bedrock-tenantd/git-sync.conf
	/usr/share/man/man8/bedrock-tenantd.8.gz /usr/share/man/man8/bedrock-tenantctl.8.gz
	/usr/share/man/man8/bedrock-tenantd-git-sync.8.gz
	/usr/share/man/man5/bedrock-tenantd.yaml.5.gz /usr/share/man/man5/bedrock-tenantd-manifest.5.gz
	/usr/share/doc/bedrock-tenantd/copyright
)
# shell completion ships when the source tree has it
[ ! -f "$top/contrib/completion/bedrock-tenantctl.bash" ] ||
	need+=(/usr/share/bash-completion/completions/bedrock-tenantctl)
[ ! -f "$top/contrib/completion/_bedrock-tenantctl" ] ||
	need+=(/usr/share/zsh/vendor-completions/_bedrock-tenantctl)
for f in "${need[@]}"; do
	[ -e "$root$f" ] || fail "$f is not installed (package holds: $(dpkg-deb -c "$deb" | awk '{print $6}' | tr '\n' ' '))"
done
for f in /etc/bedrock-tenantd/config.yaml /etc/bedrock-tenantd/git-sync.conf; do
	grep -qx "$f" "$root/var/lib/dpkg/info/bedrock-tenantd.conffiles" || fail "$f is not a conffile"
done
grep -q '^bedrock-tenantd:' "$root/etc/passwd" || fail "postinst did not create the user in the root"
grep -q '^bedrock-tenantd:' "$root/etc/group" || fail "postinst did not create the group in the root"
"$root/usr/bin/bedrock-tenantd" --version | grep -q '^bedrock-tenantd ' || fail "the installed daemon does not run"
echo "installed: ${#need[@]} files checked, user created"

# 5. the installed units, against the installed binaries
for unit in "$root"/usr/lib/systemd/system/*.service; do
	grep -q "^ExecStart=/usr/bin/" "$unit" || fail "$(basename "$unit") does not start /usr/bin/...: $(grep ExecStart "$unit")"
done
# systemd-analyze verify --root would need a whole system in the root (sysinit.target,
# /bin/kill): verify copies whose Exec*= name the root's binaries instead. --man=no:
# the root's man pages were checked above, the host has none.
mkdir "$work/units"
for unit in "$root"/usr/lib/systemd/system/*; do
	sed -E "s#^(Exec[A-Za-z]*=[-@+!:]?)/usr/bin/#\\1$root/usr/bin/#" "$unit" >"$work/units/$(basename "$unit")"
done
grep -q "^ExecStart=$root/usr/bin/bedrock-tenantd " "$work/units/bedrock-tenantd.service" ||
	fail "the unit copy does not name the root's daemon: $(grep ExecStart "$work/units/bedrock-tenantd.service")"
out=$(systemd-analyze verify --man=no "$work"/units/* 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
echo "systemd-analyze verify: clean"

# and it goes away cleanly, keeping nothing it should not
dpkg --root="$root" --force-not-root --force-script-chrootless --log=/dev/null --purge bedrock-tenantd \
	>"$work/dpkg.log" 2>&1 || fail "dpkg --purge: $(cat "$work/dpkg.log")"
[ ! -e "$root/usr/bin/bedrock-tenantd" ] || fail "purge left the binary"
echo "ok"
