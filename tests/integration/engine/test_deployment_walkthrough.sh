#!/usr/bin/env bash
# docs/deployment.md, run: every ```sh block of the walkthrough marked
# `<!-- walkthrough: run -->` is executed as written, in order, in one shell, against
# awsim; `skip REASON` blocks are not run (the reason is printed). What the
# test changes, and only that:
#  - paths: /etc/bedrock-tenantd, /etc/systemd/system, /var/lib/bedrock-tenantd(-git),
#    /run/bedrock-tenantd and the repository URL point into the scratch directory; the
#    metrics port 9464 becomes a free loopback port;
#  - sudo runs the command as is; chown/chgrp and install's -o/-g are not applied
#    (the scratch directory has no bedrock-tenantd user);
#  - systemctl: `enable --now`/`start` of the timer or git-sync service runs
#    bedrock-tenantd-git-sync once with git-sync.conf; of bedrock-tenantd starts the
#    built daemon with the Environment= of the unit's drop-ins (and AWS_ENDPOINT_URL,
#    awsim's address; nothing else of the test's environment);
#  - the AWS CLI (`aws`, which must be installed) talks to awsim (--endpoint-url, which
#    every CLI version takes; AWS_ENDPOINT_URL only from v2.13); the host user's keys
#    (KEY_ID, SECRET) are awsim's static key, since awsim has no IAM users.
# Then: every tenant Ready at the synced revision, the daemon's credentials came from
# the role (sts:AssumeRole), the tenant role got its policy, every AWS call the daemon
# made is allowed by the walkthrough's policy, and the day-two commit is reconciled.
. "$(dirname "$0")/lib.sh"
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
DOC=$TOP/docs/deployment.md
command -v aws >/dev/null || fail "the AWS CLI (aws) is needed: apt-get install awscli"

# --- the blocks
mkdir -p "$WORK/blocks"
awk -v out="$WORK/blocks" '
	/^<!-- walkthrough: / { mark = $0; sub(/^<!-- walkthrough: /, "", mark); sub(/ -->$/, "", mark); next }
	/^```sh$/ { n++; file = sprintf("%s/%02d", out, n); print mark > (file ".mark"); inblock = 1; mark = ""; next }
	/^```/ && inblock { inblock = 0; close(file ".sh"); next }
	inblock { print > (file ".sh"); next }
	/./ { mark = "" }
' "$DOC"
[ -n "$(ls "$WORK/blocks")" ] || fail "no sh block in $DOC"
for m in "$WORK"/blocks/*.mark; do
	grep -qE '^(run|skip .+)$' "$m" ||
		fail "a sh block of docs/deployment.md has no walkthrough mark (block $(basename "$m" .mark): $(head -1 "${m%.mark}.sh"))"
done

start_awsim
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
# a free loopback port for the metrics listener
MPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# the rewrites of every block
rewrite() {
	sed -e "s|/etc/bedrock-tenantd|$WORK/etc/bedrock-tenantd|g" \
		-e "s|/etc/systemd/system|$WORK/etc/systemd/system|g" \
		-e "s|/var/lib/bedrock-tenantd-git|$WORK/var/git|g" \
		-e "s|/var/lib/bedrock-tenantd|$WORK/var/state|g" \
		-e "s|/run/bedrock-tenantd|$WORK/run|g" \
		-e "s|git@git.example.com:platform/bedrock-tenants.git|file://$WORK/remote/bedrock-tenants.git|g" \
		-e "s|127.0.0.1:9464|127.0.0.1:$MPORT|g"
}
mkdir -p "$WORK/etc" "$WORK/var" "$WORK/run" "$WORK/home" "$WORK/remote" "$WORK/cwd"
git init -q --bare "$WORK/remote/bedrock-tenants.git"
git -C "$WORK/remote/bedrock-tenants.git" symbolic-ref HEAD refs/heads/main
export HOME=$WORK/home GIT_CONFIG_NOSYSTEM=1 BEDROCK_TENANTD_SOCKET=$WORK/run/control.sock
git config --global user.name "Platform Team"
git config --global user.email platform@example.com
git config --global init.defaultBranch main
# the host user's keys (awsim has no IAM users: its static key plays them)
# shellcheck disable=SC2034 # read by the walkthrough's blocks
KEY_ID=$AWS_ACCESS_KEY_ID SECRET=$AWS_SECRET_ACCESS_KEY

# --- the shims
aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
sudo() { "$@"; }
chown() { :; }
chgrp() { :; }
install() {
	local args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-o | -g) shift 2 ;;
		*) args+=("$1") && shift ;;
		esac
	done
	command install "${args[@]}"
}
bedrock-tenantd() { "$DAEMON" "$@"; }
bedrock-tenantctl() { # wait-ready: at most 120 s here, well inside the test's time
	if [ "${1:-}" = wait-ready ] && [ "${2:-0}" -gt 120 ]; then
		"$CTL_BIN" wait-ready 120
	else
		"$CTL_BIN" "$@"
	fi
}
git_sync_once() {
	(
		set -a
		# shellcheck disable=SC1091
		. "$WORK/etc/bedrock-tenantd/git-sync.conf"
		set +a
		"$TOP/contrib/git-sync/bedrock-tenantd-git-sync"
	) >>"$WORK/git-sync.log" 2>&1 || fail "git sync failed: $(tail -3 "$WORK/git-sync.log")"
}
start_unit() {
	local env=(AWS_ENDPOINT_URL="$AWS_ENDPOINT_URL" PATH="$PATH") line
	while IFS= read -r line; do
		env+=("$line")
	done < <(cat "$WORK"/etc/systemd/system/bedrock-tenantd.service.d/*.conf 2>/dev/null | sed -n 's/^Environment=//p')
	mkdir -p "$WORK/var/state"
	env -i "${env[@]}" "$DAEMON" --config "$WORK/etc/bedrock-tenantd/config.yaml" --log-stderr 2>>"$WORK/daemon.log" &
	DAEMON_PID=$!
}
systemctl() {
	local verb=$1 unit
	shift
	[ "$verb" != daemon-reload ] || return 0
	[ "${1:-}" != --now ] || shift
	for unit in "$@"; do
		case "$verb:$unit" in
		enable:bedrock-tenantd-git-sync.timer | start:bedrock-tenantd-git-sync*) git_sync_once ;;
		enable:bedrock-tenantd | start:bedrock-tenantd | enable:bedrock-tenantd.service) start_unit ;;
		*) fail "systemctl $verb $unit: not played by this test" ;;
		esac
	done
}

# --- run them
cd "$WORK/cwd" || fail "no $WORK/cwd"
calls_before=
for block in "$WORK"/blocks/*.sh; do
	mark=$(cat "${block%.sh}.mark")
	case "$mark" in
	skip*)
		echo "--- skipped block $(basename "$block" .sh): ${mark#skip }"
		continue
		;;
	esac
	# the daemon's own calls are those after it starts
	grep -q "systemctl enable --now bedrock-tenantd$" "$block" && calls_before=$(awsim_get calls)
	echo "--- block $(basename "$block" .sh)"
	rewrite <"$block" >"$block.run"
	# sourced with errexit on: a failing command ends the test (not `|| fail`, which
	# would turn errexit off inside the block)
	# shellcheck disable=SC1090
	. "$block.run"
done
[ -n "$DAEMON_PID" ] || fail "the walkthrough never started the daemon"

# --- what the walkthrough promises (lib.sh's helpers, on the walkthrough's socket)
ctl() { "$CTL_BIN" --socket "$WORK/run/control.sock" "$@"; }
rev=$(git -C "$WORK/remote/bedrock-tenants.git" rev-parse main)
wait_eq 60 "the daemon at the pushed revision" "$rev" eval 'status_json | jq -r .manifests.revision'
wait_until 60 "acme-claims Ready" state_is acme-claims Ready
[ "$(status_json | jq -r .manifests.git_sync.revision)" = "$rev" ] || fail "git_sync: $(status_json | jq -c .manifests.git_sync)"
[ "$(status_json | jq -r .manifests.git_sync.behind)" = false ] || fail "behind after the sync"
wait_eq 30 "the day-two budget" 2000 eval "budget bedrock-tenant-acme-claims | jq -r .budget.BudgetLimit.Amount | cut -d. -f1"
[ "$(calls sts:AssumeRole)" -ge 1 ] || fail "the daemon did not assume its role: its credentials did not come from the profile"
role_policy claims-chatbot-app bedrock-tenantd-acme-claims | grep -q "bedrock:InvokeModel" ||
	fail "the tenant role has no policy: $(role_policy claims-chatbot-app bedrock-tenantd-acme-claims)"

# every call the daemon made is allowed by the walkthrough's policy (or needs none)
policy=$WORK/cwd/bedrock-tenantd-policy.json
jq -e . "$policy" >/dev/null || fail "the walkthrough's policy is not JSON"
allowed=$(jq -r '[.Statement[] | select(.Effect == "Allow") | .Action | if type == "array" then .[] else . end] | .[]' "$policy")
action_of() { # service:Operation (awsim) -> the IAM action
	local svc=${1%%:*} op=${1#*:}
	case "$svc" in
	budgets)
		case "$op" in
		Describe*) echo budgets:ViewBudget ;;
		TagResource | UntagResource | ListTagsForResource) echo "budgets:$op" ;;
		*) echo budgets:ModifyBudget ;;
		esac
		;;
	tagging) echo "tag:$op" ;;
	*) echo "$svc:$op" ;;
	esac
}
made=$(jq -rn --argjson a "$calls_before" --argjson b "$(awsim_get calls)" \
	'$b | to_entries[] | select((.value.ok // 0) + (.value.error // 0) > (($a[.key].ok // 0) + ($a[.key].error // 0))) | .key')
[ -n "$made" ] || fail "no AWS call of the daemon counted"
for call in $made; do
	action=$(action_of "$call")
	case "$action" in
	sts:GetCallerIdentity | sts:AssumeRole) continue ;; # no permission needed / the trust policy's
	esac
	grep -qx "$action" <<<"$allowed" || fail "the daemon called $call, which the walkthrough's policy does not allow ($action)"
done
echo "--- the daemon's calls, all allowed: $(echo $made | tr ' ' ',')"
stop_daemon
echo "ok: docs/deployment.md ran against awsim"
