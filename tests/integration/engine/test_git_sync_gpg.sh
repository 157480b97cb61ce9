#!/usr/bin/env bash
# bedrock-tenantd-git-sync with GIT_SYNC_VERIFY=gpg: a commit signed by a key of the
# keyring GIT_SYNC_GPG_KEYRING is synced; an unsigned commit and one signed by a key not
# in the keyring are refused (exit 1) and `current` stays where it was. The remote is a
# local bare repository (file:// URL); the keys live in throwaway GNUPGHOMEs under the
# scratch directory, whose agents are stopped on exit. No daemon: the script alone.
. "$(dirname "$0")/lib.sh"
command -v gpg >/dev/null || fail "gpg is not installed (Debian: apt-get install gnupg; .ci/setup does)"
git_sync_setup

# two signers, each in a home of its own: the platform team (trusted) and an intruder
SIGNERS="$WORK/gpg-platform $WORK/gpg-intruder"
stop_agents() {
	local h
	for h in $SIGNERS; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null || true
	done
}
at_exit stop_agents
# keygen HOME UID: an ed25519 signing key without a passphrase; prints its fingerprint
keygen() {
	mkdir -p "$1"
	chmod 700 "$1"
	GNUPGHOME=$1 gpg --batch --quiet --passphrase '' --quick-gen-key "$2" ed25519 sign never 2>/dev/null
	GNUPGHOME=$1 gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" {print $10; exit}'
}
platform=$(keygen "$WORK/gpg-platform" "Platform Team <platform@example.com>")
intruder=$(keygen "$WORK/gpg-intruder" "Intruder <intruder@example.com>")
[ -n "$platform" ] && [ -n "$intruder" ] || fail "gpg could not make the keys"
GNUPGHOME=$WORK/gpg-platform gpg --batch --export "$platform" >"$WORK/keyring.gpg"
[ -s "$WORK/keyring.gpg" ] || fail "the keyring is empty"

git init -q --bare "$WORK/remote.git"
git clone -q "file://$WORK/remote.git" "$WORK/src" 2>/dev/null
mkdir -p "$WORK/src/tenants"
# commit HOME FINGERPRINT MESSAGE: commit everything and push; signed by the key when
# HOME is not "-"
commit() {
	write_tenant "$3"
	mv "$WORK/tenants/$3.yaml" "$WORK/src/tenants/$3.yaml"
	src add -A
	if [ "$1" = - ]; then
		src commit -q -m "$3"
	else
		GNUPGHOME=$1 src -c "user.signingkey=$2" commit -q -S -m "$3"
	fi
	src push -q -f origin HEAD:main 2>/dev/null
	src rev-parse HEAD
}

export GIT_SYNC_REPO=file://$WORK/remote.git GIT_SYNC_ROOT=$WORK/sync GIT_SYNC_SUBDIR=tenants \
	GIT_SYNC_VERIFY=gpg GIT_SYNC_GPG_KEYRING=$WORK/keyring.gpg
unset GNUPGHOME
sync() { timeout 60 "$SYNC" "$@" >>"$WORK/sync.log" 2>&1; }

# signed by the trusted key: synced
rev1=$(commit "$WORK/gpg-platform" "$platform" t1)
GNUPGHOME=$WORK/gpg-platform src verify-commit "$rev1" 2>/dev/null || fail "the commit is not signed"
sync || fail "the signed commit was not synced: $(cat "$WORK/sync.log")"
[ "$(current)" = "checkouts/$rev1/tenants" ] || fail "current -> $(current), want rev1 $rev1"
[ -f "$WORK/sync/current/t1.yaml" ] || fail "t1's manifest is not in the checkout"

# refused WHAT REV: a sync exits 1 naming commit REV, and current stays at rev1
refused() {
	local rc=0
	: >"$WORK/sync.log"
	sync || rc=$?
	[ $rc -eq 1 ] || fail "$1 was not refused (exit $rc): $(tail -3 "$WORK/sync.log")"
	grep -q "commit $2 has no good signature by an allowed key" "$WORK/sync.log" ||
		fail "the refusal of $1 does not name commit $2: $(tail -3 "$WORK/sync.log")"
	[ "$(current)" = "checkouts/$rev1/tenants" ] || fail "switched to $1: $(current)"
}

rev2=$(commit - - t2)
refused "an unsigned commit" "$rev2"

# signed by a key not in the keyring (from rev1 again: a fast-forward of what was synced)
src reset -q --hard "$rev1"
rev3=$(commit "$WORK/gpg-intruder" "$intruder" t3)
GNUPGHOME=$WORK/gpg-intruder src verify-commit "$rev3" 2>/dev/null || fail "the intruder's commit is not signed"
refused "a commit signed by a key not in the keyring" "$rev3"

# a trusted commit on top of it: every new commit is checked, so still refused
rev4=$(commit "$WORK/gpg-platform" "$platform" t4)
refused "a signed commit above the intruder's" "$rev3"

# the remote set back to trusted commits alone: synced
src reset -q --hard "$rev1"
rev5=$(commit "$WORK/gpg-platform" "$platform" t5)
sync || fail "the signed commit after the refusals was not synced: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$rev5/tenants" ] || fail "current -> $(current), want rev5 $rev5"
# the script's own GNUPGHOME is gone
! ls -d "$WORK"/sync/.gnupg.* 2>/dev/null || fail "the script left its GNUPGHOME behind"
echo "ok: gpg-signed $rev1 and $rev5 synced; unsigned $rev2, intruder's $rev3 and $rev4 above it refused"
