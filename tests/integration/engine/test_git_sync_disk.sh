#!/usr/bin/env bash
# bedrock-tenantd-git-sync on a full disk: GIT_SYNC_ROOT is a small tmpfs (mounted in a
# mount namespace of the test's own, `unshare -m`). What matters is where `current`
# points, the exit status and what .git-sync-status says, and that the next run
# recovers by itself once the remote's revision fits again:
#   - a fetch that fills the disk: refused with the disk's error in the status; what
#     the failed fetch wrote is removed, so the next (smaller) revision is fetched;
#   - a checkout that fills the disk: refused with the disk's error, no half-written
#     checkout left; the next revision is checked out;
#   - no inode left: the same.
if [ -z "${BTD_GIT_SYNC_NS:-}" ]; then
	# root needs no user namespace for a mount namespace of its own
	if [ "$(id -u)" = 0 ]; then ns=(unshare -m); else ns=(unshare -rm); fi
	"${ns[@]}" true 2>/dev/null || {
		echo "FAIL: this test needs a mount namespace (${ns[*]}: as root, or with user namespaces)" >&2
		exit 1
	}
	BTD_GIT_SYNC_NS=1 exec "${ns[@]}" bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
git_sync_setup
git init -q --bare "$WORK/remote.git"
git clone -q "file://$WORK/remote.git" "$WORK/src" 2>/dev/null
mkdir -p "$WORK/src/tenants" "$WORK/sync"
mount -t tmpfs -o size=4m,nr_inodes=400 tmpfs "$WORK/sync" || fail "cannot mount a tmpfs on $WORK/sync"
at_exit umount -l "$WORK/sync"
# commit MESSAGE: commit everything on top of $good (what a failed revision was
# based on), push it over the remote's branch
commit() {
	src add -A
	src commit -q -m "$1"
	src push -q -f origin HEAD:main 2>/dev/null
	src rev-parse HEAD
}
export GIT_SYNC_REPO=file://$WORK/remote.git GIT_SYNC_ROOT=$WORK/sync GIT_SYNC_SUBDIR=tenants GIT_SYNC_KEEP=1
sync() { "$SYNC" >>"$WORK/sync.log" 2>&1; }
# refused WHAT PATTERN: the run exits 1, `current` stays at $good, the error matches
refused() {
	local rc=0
	sync || rc=$?
	[ $rc -eq 1 ] || fail "$1: exit $rc, want 1: $(tail -3 "$WORK/sync.log")"
	[ "$(current)" = "checkouts/$good/tenants" ] || fail "$1: current -> $(current)"
	status_error | grep -q "$2" || fail "$1: the status error is '$(status_error)'"
	[ ! -e "$WORK/sync/.checkout.tmp" ] || fail "$1: .checkout.tmp is left"
	[ ! -e "$WORK/sync/.git-sync-status.tmp" ] || fail "$1: .git-sync-status.tmp is left"
}
# drop: the remote forgets the failed revision (force-pushed back to $good)
drop() {
	src reset -q --hard "$good"
	src push -q -f origin HEAD:main 2>/dev/null
}

# recovers N WHAT: once what filled the disk is dropped from the remote, a new revision
# (tenant tN) is synced by the next run
recovers() {
	drop
	echo "n: $1" >"$WORK/src/tenants/t$1.yaml"
	rev=$(commit "t$1")
	sync || fail "the run $2: $(tail -3 "$WORK/sync.log")"
	[ "$(current)" = "checkouts/$rev/tenants" ] || fail "$2: current -> $(current)"
	good=$rev
}

for i in 1 2 3; do echo "n: $i" >"$WORK/src/tenants/t$i.yaml"; done
good=$(commit base)
sync || fail "the first sync failed: $(cat "$WORK/sync.log")"
[ "$(current)" = "checkouts/$good/tenants" ] || fail "current -> $(current)"

# 1. a fetch larger than the disk (incompressible)
head -c 6000000 /dev/urandom >"$WORK/src/tenants/big.bin"
commit "6 MB of noise" >/dev/null
refused "a fetch that fills the disk" "No space left on device"
recovers 4 "after a fetch filled the disk"

# 2. a checkout larger than the disk (a pack of a few KiB, 8 MB of files)
awk 'BEGIN { for (i = 0; i < 220000; i++) print "n: a line repeated, which packs small" }' >"$WORK/src/tenants/lines.txt"
commit "8 MB of one line" >/dev/null
refused "a checkout that fills the disk" "cannot check .* out .*: error: unable to write"
recovers 5 "after a checkout filled the disk"

# 3. more files than inodes
mkdir -p "$WORK/src/tenants/many"
for i in $(seq 1 500); do echo "$i" >"$WORK/src/tenants/many/f$i"; done
commit "500 files" >/dev/null
refused "a checkout with more files than inodes" "cannot check .* out .*: error: unable to"
recovers 6 "after the inodes ran out"
echo "ok: git-sync held on a full disk"
