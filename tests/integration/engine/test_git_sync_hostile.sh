#!/usr/bin/env bash
# bedrock-tenantd-git-sync against a hostile repository and unlucky moments (no daemon:
# what matters is where `current` points, what it holds, the exit status and
# .git-sync-status). Each case: the link stays at a verified, complete revision and
# the status file says why a run refused.
#   - a run killed (SIGKILL) while checking a revision out: the next run does not
#     take the half-written checkout for a finished one;
#   - GIT_SYNC_SUBDIR a symbolic link in the repository to a directory outside the
#     checkout (/etc): refused;
#   - `current` replaced by a directory by hand: refused, and the status says so;
#   - GIT_SYNC_VERIFY=ssh and a commit with an OpenPGP signature by a key of the
#     service user's own GnuPG keyring: refused (ssh signatures only);
#   - a key of the allowed-signers file that expired (valid-before), on a commit
#     dated back into its validity: refused;
#   - a filter driver of the user's git configuration named by the repository's
#     .gitattributes: not run at checkout;
#   - GIT_SYNC_SUBDIR changed with the revision unchanged: the next run points
#     `current` at the new subdirectory, checked as the first one was;
#   - the status file cannot be written (as on a full disk): the run does not switch,
#     so that the status never names a revision `current` is not at;
#   - a git lock file left in the mirror by a run killed (SIGKILL) while fetching:
#     the next run is not stopped by it.
. "$(dirname "$0")/lib.sh"
git_sync_setup
ssh-keygen -q -t ed25519 -N '' -C platform@example.com -f "$WORK/signing-key"
signer="platform@example.com $(cut -d' ' -f1,2 "$WORK/signing-key.pub")"
echo "$signer" >"$WORK/allowed_signers"

git init -q --bare "$WORK/remote.git"
git clone -q "file://$WORK/remote.git" "$WORK/src" 2>/dev/null
mkdir -p "$WORK/src/tenants"
# commit_signed MESSAGE: commit everything, signed with the allowed key, and push
commit_signed() {
	src add -A
	src -c gpg.format=ssh -c "user.signingkey=$WORK/signing-key.pub" commit -q -S -m "$1"
	src push -q -f origin HEAD:main 2>/dev/null
	src rev-parse HEAD
}
export GIT_SYNC_REPO=file://$WORK/remote.git GIT_SYNC_ROOT=$WORK/sync GIT_SYNC_SUBDIR=tenants \
	GIT_SYNC_VERIFY=ssh GIT_SYNC_ALLOWED_SIGNERS=$WORK/allowed_signers GIT_SYNC_KEEP=3
sync() { "$SYNC" "$@" >>"$WORK/sync.log" 2>&1; }
# refused WHAT PATTERN: the run exits 1, `current` stays at $good, the error matches
refused() {
	local rc=0
	sync "${@:3}" || rc=$?
	[ $rc -eq 1 ] || fail "$1: exit $rc, want 1: $(tail -3 "$WORK/sync.log")"
	[ "$(current)" = "checkouts/$good/tenants" ] || fail "$1: current -> $(current)"
	status_error | grep -q "$2" || fail "$1: the status error is '$(status_error)'"
}

for i in 1 2 3; do echo "n: $i" >"$WORK/src/tenants/t$i.yaml"; done
good=$(commit_signed base)
sync || fail "the first sync failed: $(cat "$WORK/sync.log")"
[ "$(current)" = "checkouts/$good/tenants" ] || fail "current -> $(current)"

# 1. killed while checking out: git creates the worktree, the run dies before the
# files are written (a wrapper lets `worktree add` go as far as --no-checkout would)
for i in $(seq 4 40); do echo "n: $i" >"$WORK/src/tenants/t$i.yaml"; done
rev=$(commit_signed "many tenants")
mkdir -p "$WORK/bin"
cat >"$WORK/bin/git" <<'WRAP'
#!/usr/bin/env bash
if [ "${2:-}" = worktree ] && [ "${3:-}" = add ]; then
	args=()
	for a in "$@"; do args+=("$a") && { [ "$a" != add ] || args+=(--no-checkout); }; done
	/usr/bin/git "${args[@]}"
	# the run: the script, and the subshell of a $(...) that runs git, if any (the
	# script's pid first, so that it takes no further step)
	pids=()
	p=$PPID
	while [ "$p" -gt 1 ] && grep -q bedrock-tenantd-git-sync "/proc/$p/cmdline"; do
		pids=("$p" "${pids[@]}")
		p=$(ps -o ppid= -p "$p" | tr -d ' ')
	done
	kill -9 "${pids[@]}"
	exit 1
fi
exec /usr/bin/git "$@"
WRAP
chmod +x "$WORK/bin/git"
rc=0
PATH=$WORK/bin:$PATH "$SYNC" >>"$WORK/sync.log" 2>&1 || rc=$?
[ $rc -eq 137 ] || fail "the wrapped run was not killed (exit $rc): $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$good/tenants" ] || fail "the killed run switched: $(current)"
sync || fail "the run after a killed checkout failed: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$rev/tenants" ] || fail "after a killed checkout: current -> $(current)"
n=$(find "$WORK/sync/current/" -name '*.yaml' | wc -l)
[ "$n" -eq 40 ] || fail "current holds $n of the 40 manifests of $rev (a half-written checkout)"
good=$rev

# 2. GIT_SYNC_SUBDIR a link out of the checkout
src mv tenants tenants.real
ln -s /etc "$WORK/src/tenants"
commit_signed "tenants -> /etc" >/dev/null
refused "the subdirectory a link to /etc" "not a directory of the checkout"
src rm -q tenants
ln -s tenants.real "$WORK/src/tenants"
commit_signed "tenants -> tenants.real, inside" >/dev/null
refused "the subdirectory a link inside the checkout" "not a directory of the checkout"
src rm -q tenants
src mv tenants.real tenants
good=$(commit_signed "tenants a directory again")
sync || fail "a plain subdirectory again: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$good/tenants" ] || fail "current -> $(current)"

# 3. `current` made a directory by hand
echo "n: 41" >"$WORK/src/tenants/t41.yaml"
rev=$(commit_signed t41)
mv "$WORK/sync/current" "$WORK/current.saved"
mkdir "$WORK/sync/current"
rc=0
sync || rc=$?
[ $rc -eq 1 ] || fail "current a directory: exit $rc"
[ -d "$WORK/sync/current" ] && [ ! -L "$WORK/sync/current" ] || fail "the directory current was replaced"
status_error | grep -q "not a symbolic link" || fail "current a directory: status error '$(status_error)'"
rmdir "$WORK/sync/current"
mv "$WORK/current.saved" "$WORK/sync/current"
sync || fail "current a link again: $(tail -3 "$WORK/sync.log")"
good=$rev

# 4. an OpenPGP signature by a key of the service user's keyring, with VERIFY=ssh
export GNUPGHOME=$WORK/gnupg
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "Intruder <intruder@example.com>" ed25519 sign never 2>/dev/null
echo "n: 42" >"$WORK/src/tenants/t42.yaml"
src add -A
src -c user.signingkey=intruder@example.com commit -q -S -m "openpgp-signed"
src push -q origin HEAD:main 2>/dev/null
[ "$(src log -1 --format=%G?)" = G ] || fail "the OpenPGP signature is not good to git itself"
refused "an OpenPGP signature with GIT_SYNC_VERIFY=ssh" "no good signature"
src reset -q --hard "$good"
unset GNUPGHOME

# 5. an expired key (valid-before) on a commit dated back into its validity
echo "platform@example.com valid-before=\"20200101\" $(cut -d' ' -f1,2 "$WORK/signing-key.pub")" \
	>"$WORK/allowed_signers"
echo "n: 43" >"$WORK/src/tenants/t43.yaml"
GIT_COMMITTER_DATE=2019-06-01T00:00:00Z GIT_AUTHOR_DATE=2019-06-01T00:00:00Z commit_signed backdated >/dev/null
refused "a backdated commit by an expired key" "no good signature"
echo "$signer" >"$WORK/allowed_signers"
src reset -q --hard "$good"

# 6. a filter driver of the user's configuration, named by the repository
git config --global filter.pwn.smudge "touch $WORK/filter-ran; cat"
printf '* filter=pwn\n' >"$WORK/src/.gitattributes"
echo "n: 44" >"$WORK/src/tenants/t44.yaml"
rev=$(commit_signed "filter=pwn")
sync || fail "the .gitattributes revision: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$rev/tenants" ] || fail "current -> $(current)"
[ ! -e "$WORK/filter-ran" ] || fail "the checkout ran a filter driver the repository named"

# 7. GIT_SYNC_SUBDIR changed, the revision not: the link follows the setting at once,
# and a subdirectory that is not one of the checkout is refused as for a new revision
mkdir -p "$WORK/src/staging"
echo "n: 45" >"$WORK/src/staging/s45.yaml"
ln -s /etc "$WORK/src/etc-link"
rev=$(commit_signed "staging, and a link")
sync || fail "the staging revision: $(tail -3 "$WORK/sync.log")"
good=$rev
[ "$(current)" = "checkouts/$good/tenants" ] || fail "current -> $(current)"
GIT_SYNC_SUBDIR=staging sync || fail "GIT_SYNC_SUBDIR=staging: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$good/staging" ] || fail "GIT_SYNC_SUBDIR=staging, revision unchanged: current -> $(current)"
[ -e "$WORK/sync/current/s45.yaml" ] || fail "current does not hold staging/"
sed -n 's/^revision=//p' "$WORK/sync/.git-sync-status" | grep -qx "$good" || fail "the status revision after the subdirectory change"
GIT_SYNC_SUBDIR=staging sync || fail "GIT_SYNC_SUBDIR=staging again"
tail -1 "$WORK/sync.log" | grep -q "^at $good" || fail "a second run with staging: $(tail -1 "$WORK/sync.log")"
rc=0
GIT_SYNC_SUBDIR=etc-link sync || rc=$?
[ $rc -eq 1 ] || fail "GIT_SYNC_SUBDIR a link to /etc, revision unchanged: exit $rc"
[ "$(current)" = "checkouts/$good/staging" ] || fail "GIT_SYNC_SUBDIR a link: current -> $(current)"
status_error | grep -q "not a directory of the checkout" || fail "GIT_SYNC_SUBDIR a link: the status error is '$(status_error)'"
sync || fail "back to tenants: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$good/tenants" ] || fail "back to GIT_SYNC_SUBDIR=tenants: current -> $(current)"
[ -z "$(status_error)" ] || fail "the status keeps the error '$(status_error)' after a good run"

# 8. the status cannot be written (a directory in the way of its temporary file stands
# for a full disk): no switch, exit 1, the old status still true; then a good run
echo "n: 46" >"$WORK/src/tenants/t46.yaml"
rev=$(commit_signed t46)
mkdir "$WORK/sync/.git-sync-status.tmp"
rc=0
sync || rc=$?
[ $rc -eq 1 ] || fail "the status not writable: exit $rc"
[ "$(current)" = "checkouts/$good/tenants" ] || fail "the status not writable: current -> $(current), switched"
sed -n 's/^revision=//p' "$WORK/sync/.git-sync-status" | grep -qx "$good" || fail "the status names $(sed -n 's/^revision=//p' "$WORK/sync/.git-sync-status"), current is at $good"
tail -2 "$WORK/sync.log" | grep -q "cannot write" || fail "the run does not say the status cannot be written: $(tail -2 "$WORK/sync.log")"
rmdir "$WORK/sync/.git-sync-status.tmp"
sync || fail "the status writable again: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$rev/tenants" ] || fail "the status writable again: current -> $(current)"
sed -n 's/^revision=//p' "$WORK/sync/.git-sync-status" | grep -qx "$rev" || fail "the status revision after the switch"

# 9. a run killed while fetching leaves git's lock of the branch's ref: every run holds
# the mirror's flock, so the next one knows the lock is stale
good=$rev
echo "n: 47" >"$WORK/src/tenants/t47.yaml"
rev=$(commit_signed t47)
touch "$WORK/sync/repo.git/refs/remotes/origin/main.lock" "$WORK/sync/repo.git/packed-refs.lock"
sync || fail "a stale lock of the mirror: $(tail -3 "$WORK/sync.log")"
[ "$(current)" = "checkouts/$rev/tenants" ] || fail "a stale lock of the mirror: current -> $(current)"

# 10. GIT_SYNC_SUBDIR with a newline: the part after it would escape the check of each
# component (a link out of the checkout); refused as a configuration error, current kept
good=$rev
rc=0
GIT_SYNC_SUBDIR=$'tenants\netc-link' sync || rc=$?
[ $rc -eq 2 ] || fail "GIT_SYNC_SUBDIR with a newline: exit $rc"
[ "$(current)" = "checkouts/$good/tenants" ] || fail "GIT_SYNC_SUBDIR with a newline: current -> $(current)"
tail -1 "$WORK/sync.log" | grep -q "control characters" || fail "GIT_SYNC_SUBDIR with a newline: $(tail -1 "$WORK/sync.log")"
echo "ok: git-sync held against a hostile repository"
