# Shared by the engine's integration tests (sourced): a scratch directory, awsim, the
# daemon with a configuration pointing every service at awsim, and helpers to write
# manifests, drive bedrock-tenantctl, read awsim's state and wait for conditions.
# Everything started here is stopped on exit, whatever the exit: every background job
# of the test (awsim, the daemon, samplers, clients) and its children are killed, the
# test's own steps (at_exit) run, the scratch directory goes; a failing test ends at its
# failure. A test adds steps with at_exit rather than a trap of its own (a trap replaces
# this one). Every wait has a deadline: wait_until, wait_eq, wait_gone, stop_daemon;
# every curl here a --max-time.
set -euo pipefail

: "${BTD_BUILD:?the build directory}"
DAEMON=$BTD_BUILD/daemon/bedrock-tenantd
CTL_BIN=$BTD_BUILD/daemon/ctl/bedrock-tenantctl
AWSIM=$BTD_BUILD/tests/awsim/awsim
BTD_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) # this directory: its helpers
WORK=$(mktemp -d /tmp/btd-it-XXXXXX)
AWSIM_PID=
DAEMON_PID=
PORT=
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL || true
mkdir -p "$WORK/tenants"

AT_EXIT=()
# at_exit COMMAND...: a step for cleanup (run by eval, after every process the test
# started is killed, the last added first; its failure is ignored).
at_exit() { AT_EXIT+=("$*"); }

# kill_tree PID: the process and its descendants (stopped first, so that none starts
# another on the way; then SIGKILL).
kill_tree() {
	local child
	kill -STOP "$1" 2>/dev/null
	for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
	kill -9 "$1" 2>/dev/null
}

# cleanup (the EXIT trap): must run to its end whatever failed, so nothing in it may
# stop it (errexit is off). The test's exit status is kept.
cleanup() {
	local rc=$? pid i
	set +eu
	trap - EXIT
	{ # every job killed, so the wait is short; bash's "Killed" notes go. Only live
		# jobs: a pid kept in a variable may have ended and been given to another process
		for pid in $(jobs -p); do kill_tree "$pid"; done
		wait
		jobs >/dev/null # the notes of the jobs just ended, said here
	} 2>/dev/null
	for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do eval "${AT_EXIT[i]}"; done
	if [ $rc -ne 0 ]; then
		echo "--- daemon log (last 60 lines) ---"
		tail -n 60 "$WORK/daemon.log" 2>/dev/null
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# start_awsim [awsim options...]
start_awsim() {
	# emptied here, not by the redirection below: that runs in the child, and a restart
	# could read the last awsim's port before the child truncates the file
	: >"$WORK/awsim.out"
	"$AWSIM" --listen 127.0.0.1:0 --quiet --seed 7 --account 111122223333 --region us-east-1 --region us-west-2 \
		"$@" >"$WORK/awsim.out" 2>"$WORK/awsim.log" &
	AWSIM_PID=$!
	for _ in $(seq 600); do # 30 s: a sanitizer build on a loaded machine starts slowly
		[ "$(wc -l <"$WORK/awsim.out")" -ge 1 ] && break # its whole first line
		kill -0 "$AWSIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	PORT=$(sed -n '1s/^listening on 127.0.0.1://p' "$WORK/awsim.out")
	[ -n "$PORT" ] || fail "awsim did not start"
}

# awsim_get PATH: an admin read; one that fails (a connection refused or reset on a
# loaded machine) is tried again twice, and said on stderr, so that a test's
# assertion never reads an empty answer as a count
awsim_get() {
	local try rc
	for try in 1 2 3; do
		rc=0
		curl -sf --max-time 30 "http://127.0.0.1:$PORT/_awsim/$1" && return 0 || rc=$?
		echo "awsim_get $1: curl exit $rc (try $try)" >&2
		sleep 0.2
	done
	return $rc
}
awsim_put() { curl -sf --max-time 30 -X PUT -H 'Content-Type: application/json' --data "${2:-}" "http://127.0.0.1:$PORT/_awsim/$1" >/dev/null; }

# write_config [extra YAML lines]: fast timings, generous rate limits, awsim everywhere.
write_config() {
	cat >"$WORK/config.yaml" <<YAML
manifests: $WORK/tenants
state_dir: $WORK/state
socket:
  path: $WORK/control.sock
  mode: "0660"
instance: bedrock-tenantd
region: us-east-1
accounts:
  prod:
    id: "111122223333"
resync_interval: 30s
safety:
  prune_grace: ${GRACE:-2s}
  replacement_drain: ${DRAIN:-2s}
  max_deletions: 10
  max_deletions_percent: 5
rate_limits:
  bedrock: {requests_per_second: 400, burst: 400}
  ssm: {requests_per_second: 400, burst: 400}
  tagging: {requests_per_second: 400, burst: 400}
  sts: {requests_per_second: 400, burst: 400}
  budgets: {requests_per_second: 400, burst: 400}
  iam: {requests_per_second: 400, burst: 400}
endpoints:
  default: http://127.0.0.1:$PORT
watch:
  settle: 100ms
backoff:
  initial: 200ms
  max: 2s
shutdown_timeout: 5s
${1:-}
YAML
}

# Two accounts: A, the daemon's own (the test's keys), and B, the alias "other" reached
# through its role_arn (awsim knows B by BKEY/BSECRET). start_awsim_two_accounts
# [ARGS...]: awsim with both; add_other_account: B in the configuration's accounts
# (after write_config).
A=111122223333
B=444455556666
BKEY=AKIAIOSFODNN7EXAMPLB
BSECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEB
start_awsim_two_accounts() {
	start_awsim --credentials "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY:$A" --credentials "$BKEY:$BSECRET:$B" "$@"
}
add_other_account() {
	printf '  other:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' "$B" "$B" >"$WORK/accounts.yaml"
	sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
}

# spec_set ID "KEY: VALUE": the tenant's manifest with that line added under spec:,
# renamed into place (the daemon never reads it half written).
spec_set() {
	sed "s/^spec:$/spec:\n  $2/" "$WORK/tenants/$1.yaml" >"$WORK/$1.yaml.tmp"
	mv "$WORK/$1.yaml.tmp" "$WORK/tenants/$1.yaml"
}

# add_pool_accounts N REGIONS: accounts a0 .. a(N-1), ids FIRST + i (FIRST: 111100000000
# unless set; acct I prints one), all in the pool "default" over REGIONS ("us-east-1,
# us-west-2"). After write_config.
FIRST=${FIRST:-111100000000}
acct() { printf '%012d' $((FIRST + $1)); }
add_pool_accounts() {
	local n=$1 regions=$2 i names=
	for ((i = 0; i < n; i++)); do
		printf '  a%d:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' "$i" "$(acct "$i")" "$(acct "$i")"
		names+="${names:+, }a$i"
	done >"$WORK/accounts.yaml"
	sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
	printf 'pools:\n  default:\n    accounts: [%s]\n    regions: [%s]\n' "$names" "$regions" >>"$WORK/config.yaml"
}

# add_role_accounts N: accounts a1 .. a(N-1) beside prod (the default credentials'
# account), ids 1111000000NN, each reached through its role. After write_config.
add_role_accounts() {
	local i id
	for ((i = 1; i < $1; i++)); do
		id=$(printf '1111000000%02d' "$i")
		printf '  a%d:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' "$i" "$id" "$id"
	done >"$WORK/accounts.yaml"
	sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
}

# use_sync_shim: the daemon runs with sync_shim (LD_PRELOAD), which makes syncs of the
# store's write-ahead log slow or failing as $WORK/sync.ctl says (empty: neither;
# "slow MS"; see sync_shim.c); what it did is in $WORK/sync.log.
use_sync_shim() {
	local shim=$BTD_BUILD/tests/integration/engine/libsync_shim.so real=$DAEMON
	[ -f "$shim" ] || fail "no $shim (build the sync_shim target)"
	DAEMON=$WORK/daemon-with-shim
	cat >"$DAEMON" <<SH
#!/bin/sh
ASAN_OPTIONS=\${ASAN_OPTIONS:-}:verify_asan_link_order=0 LD_PRELOAD=$shim SYNC_SHIM_CTL=$WORK/sync.ctl \
	SYNC_SHIM_LOG=$WORK/sync.log exec "$real" "\$@"
SH
	chmod +x "$DAEMON"
	: >"$WORK/sync.ctl"
}

# write_tenant ID [MODEL] [COSTCENTER] [N_PROFILES]: a valid manifest (EXTRA_TAGS:
# more "Key: value" lines for spec.tags).
write_tenant() {
	local id=$1 model=${2:-anthropic.claude-3-5-haiku-20241022-v1:0} cc=${3:-eng} n=${4:-1} i
	{
		echo "apiVersion: bedrock-tenantd/v1"
		echo "kind: Tenant"
		echo "metadata:"
		echo "  name: $id"
		echo "spec:"
		echo "  tags:"
		echo "    CostCenter: $cc"
		[ -z "${EXTRA_TAGS:-}" ] || printf '    %s\n' "$EXTRA_TAGS"
		echo "  profiles:"
		for i in $(seq "$n"); do
			echo "    - name: p$i"
			echo "      model: $model"
		done
	} >"$WORK/tenants/$id.yaml.tmp"
	mv "$WORK/tenants/$id.yaml.tmp" "$WORK/tenants/$id.yaml"
}

# set_naming LINE...: policy.naming in the configuration written, one template a
# line ('parameter: "/bt/{tenant}-{profile}/arn"'); before start_daemon.
set_naming() {
	python3 - "$WORK/config.yaml" "$@" <<'PY'
import sys
path, lines = sys.argv[1], sys.argv[2:]
text = open(path).read()
naming = '  naming:\n' + ''.join('    %s\n' % line for line in lines)
text = text.replace('policy:\n', 'policy:\n' + naming, 1) if 'policy:\n' in text else text + 'policy:\n' + naming
open(path, 'w').write(text)
PY
}

# write_role_tenant ID ROLE [PROJECT]: a tenant with one profile p1 (Haiku, CostCenter
# eng) granted to the IAM role ROLE as written, in project PROJECT when given.
write_role_tenant() {
	{
		printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: %s\nspec:\n' "$1"
		[ -z "${3:-}" ] || printf '  project: %s\n' "$3"
		printf '  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n'
		printf '      model: anthropic.claude-3-5-haiku-20241022-v1:0\n  access: {roles: [%s]}\n' "$2"
	} >"$WORK/tenants/$1.yaml.tmp"
	mv "$WORK/tenants/$1.yaml.tmp" "$WORK/tenants/$1.yaml"
}

# write_tenant_keyed ID KEY: a tenant with one profile whose key is KEY (Haiku,
# CostCenter eng): tenants whose ids and keys make one derived name.
write_tenant_keyed() {
	cat >"$WORK/tenants/$1.yaml.tmp" <<YAML
apiVersion: bedrock-tenantd/v1
kind: Tenant
metadata:
  name: $1
spec:
  tags: {CostCenter: eng}
  profiles:
    - name: $2
      model: anthropic.claude-3-5-haiku-20241022-v1:0
YAML
	mv "$WORK/tenants/$1.yaml.tmp" "$WORK/tenants/$1.yaml"
}

# start_daemon: its output goes to daemon.log (nothing of it holds the test's stdout).
start_daemon() {
	"$DAEMON" --config "$WORK/config.yaml" --log-stderr >>"$WORK/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 200); do
		[ -S "$WORK/control.sock" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited at start"
		sleep 0.05
	done
	fail "no control socket"
}

# wait_gone SECONDS DESCRIPTION PID: poll until the process has exited.
wait_gone() {
	local deadline=$(($(date +%s) + $1))
	while kill -0 "$3" 2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${1}s waiting for: $2"
		sleep 0.1
	done
}

# stop_daemon [SECONDS]: SIGTERM must end it (within 30 s) with status 0.
stop_daemon() {
	local rc=0
	kill -TERM "$DAEMON_PID"
	wait_gone "${1:-30}" "the daemon to exit after SIGTERM" "$DAEMON_PID"
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	[ $rc -eq 0 ] || fail "the daemon exited with $rc after SIGTERM"
}

# wait_stopped WHAT: the daemon already told to stop (signals may still come meanwhile)
# exits with status 0 and without a sanitizer report; WHAT says what came meanwhile.
wait_stopped() {
	local rc=0
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	if grep -q "AddressSanitizer\|runtime error:\|LeakSanitizer" "$WORK/daemon.log"; then
		fail "sanitizer report: $(grep -m3 "AddressSanitizer\|runtime error:\|LeakSanitizer" "$WORK/daemon.log")"
	fi
	[ $rc -eq 0 ] || fail "the daemon exited with $rc, $1"
}

ctl() { "$CTL_BIN" --socket "$WORK/control.sock" "$@"; }

# wait_until SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds.
wait_until() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$(($(date +%s) + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $what"
		sleep 0.1
	done
}

# wait_eq SECONDS DESCRIPTION EXPECTED COMMAND...: poll until COMMAND prints EXPECTED.
wait_eq() {
	local secs=$1 what=$2 want=$3 deadline got
	shift 3
	deadline=$(($(date +%s) + secs))
	while :; do
		got=$("$@" 2>/dev/null || true)
		[ "$got" = "$want" ] && return 0
		[ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $what (last: '$got', want '$want')"
		sleep 0.1
	done
}

# tenant_json ID: the tenant document (ctl exits 1 for any state but Ready: ignored).
# (ctl prints nothing on stdout for an unknown tenant or an unreachable daemon; these
# print "null" then, because jq -e judges empty input a success)
tenant_json() {
	local out
	out=$(ctl --json tenant "$1" 2>/dev/null) || true
	printf '%s\n' "${out:-null}"
}
status_json() {
	local out
	out=$(ctl --json status 2>/dev/null) || true
	printf '%s\n' "${out:-null}"
}
# gone ID: the daemon no longer knows the tenant (exit status 4).
gone() {
	local rc=0
	ctl tenant "$1" >/dev/null 2>&1 || rc=$?
	[ $rc -eq 4 ]
}
tenant_state() { tenant_json "$1" | jq -r .state; }
state_is() { [ "$(tenant_state "$1")" = "$2" ]; }
all_ready() {
	status_json | jq -e '.ready and .tenants.total > 0 and
		(.tenants.by_state.Ready + .tenants.by_state.Suspended) == .tenants.total and .queue.reconciles_in_flight == 0' >/dev/null
}

# The instance's claim (docs/operations.md, "Safety rules", 12): the daemon's own
# parameter, in its default account and Region, written before its first mutating call.
CLAIM_PARAM=/bedrock-tenantd/bedrock-tenantd/claim

# jq over every application profile / parameter awsim holds (all accounts, regions),
# each with its tags as an object.
PROFILES='[.accounts[].regions[].profiles[] | .tag = ((.tags // []) | map({(.key): .value}) | add // {})]'
PARAMS='[.accounts[].regions[].parameters[] | .tag = ((.tags // []) | map({(.key): .value}) | add // {})]'

# awsim_profiles_of TENANT: application profiles carrying the tenant's tag.
awsim_profiles_of() {
	awsim_get state | jq --arg t "$1" "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == $t)) | length'
}

# awsim_profile_tag ARN KEY, awsim_param_tag NAME KEY: a tag of a live profile or
# parameter ("none" when it or the tag is absent); awsim_param_value NAME likewise;
# awsim_profile_live ARN: true or false.
awsim_profile_tag() {
	awsim_get state | jq -r --arg a "$1" --arg k "$2" "$PROFILES"' | map(select(.arn == $a)) | .[0].tag[$k] // "none"'
}
awsim_param_tag() {
	awsim_get state | jq -r --arg n "$1" --arg k "$2" "$PARAMS"' | map(select(.name == $n)) | .[0].tag[$k] // "none"'
}
awsim_param_value() {
	awsim_get state | jq -r --arg n "$1" "$PARAMS"' | map(select(.name == $n)) | .[0].value // "none"'
}
awsim_profile_live() { awsim_get state | jq -r --arg a "$1" "$PROFILES"' | any(.arn == $a)'; }

# consistent: every parameter we manage names a live profile; no profile key of a
# tenant has two live generations beyond a drain, so only the first rule is checked.
consistent() {
	awsim_get state | jq -e "($PROFILES | map(.arn)) as \$live | $PARAMS"' |
		map(select(.tag["bedrock-tenantd:managed-by"] == "bedrock-tenantd")) |
		all(.value as $v | $live | index($v) != null)' >/dev/null
}

# one_profile_each N: exactly N tenants own profiles, one profile each, and every
# parameter we manage (N of them) names a live profile: no duplicate, no orphan.
one_profile_each() {
	local want=$1 per_tenant params
	per_tenant=$(awsim_get state | jq -c "$PROFILES"' | map(select(.tag["bedrock-tenantd:managed-by"] == "bedrock-tenantd")) |
		group_by(.tag["bedrock-tenantd:tenant"]) | map({key: .[0].tag["bedrock-tenantd:tenant"], value: length}) | from_entries')
	[ "$(echo "$per_tenant" | jq 'length')" = "$want" ] || fail "not $want tenants with profiles: $per_tenant"
	[ "$(echo "$per_tenant" | jq '[.[] | select(. != 1)] | length')" = 0 ] ||
		fail "a tenant has more than one profile: $(echo "$per_tenant" | jq -c 'with_entries(select(.value != 1))')"
	consistent || fail "a parameter names a profile that is not live"
	params=$(awsim_get state | jq "$PARAMS"' | map(select(.tag["bedrock-tenantd:managed-by"] == "bedrock-tenantd")) | length')
	[ "$params" = "$want" ] || fail "$params parameters, want one per tenant ($want)"
}

# s3_call CURL_ARGS... PATH: a call to awsim's S3, path-style ("/bucket/key"), signed by
# curl (UNSIGNED-PAYLOAD, as S3 allows); make_bucket NAME: its CreateBucket.
s3_call() {
	local path=${*: -1}
	curl -sf --max-time 60 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "${@:1:$#-1}" "http://127.0.0.1:$PORT$path"
}
make_bucket() { s3_call -X PUT "/$1" >/dev/null || fail "CreateBucket $1"; }

# write_usage_config [LINE]: the configuration with usage read from the bucket
# usage-logs (prefix bedrock) in us-east-1, Bedrock's logging managed (or as
# $INVOCATION_LOGGING says: observe), a poll a second, LINE (indented) among the usage
# settings, and prices of $MODEL.
write_usage_config() {
	write_config "usage:
  places:
    - region: us-east-1
      bucket: usage-logs
      prefix: bedrock
  invocation_logging: ${INVOCATION_LOGGING:-manage}
  poll_interval: 1s
  path_style: true
  ${1:-}
prices:
  $MODEL: {input: 0.001, output: 0.005}"
}

# start_usage_acme: awsim delivering invocation logs 300 ms after each call to the
# bucket usage-logs, the usage configuration, tenant acme on $MODEL, the daemon started
# and acme Ready; ARN its profile. acme_requests: acme's requests counted; last_log_key:
# the bucket's last object; log_line: the first line of that object, a record of acme's.
start_usage_acme() {
	start_awsim --invocation-log-delay 300
	make_bucket usage-logs
	write_usage_config
	write_tenant acme "$MODEL"
	start_daemon
	wait_until 60 "acme Ready" all_ready
	ARN=$(ctl resolve acme p1)
}
acme_requests() { ctl --json usage acme | jq -r .total.requests; }
last_log_key() { s3_call "/usage-logs?list-type=2" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g' | tail -n1; }
log_line() { s3_call "/usage-logs/$(last_log_key)" | gunzip | head -n1; }

# converse MODEL_ID [TEXT] [TENANT_METADATA]: one Converse call through awsim (the id
# as the SDK sends it; signed by sign_headers, whose path holds the id), TEXT
# "0123456789abcdef" unless given (16 bytes: 4 input tokens, 12 output tokens), with
# requestMetadata {tenantId: TENANT_METADATA} when given.
converse() {
	local enc body
	enc=$(jq -rn --arg s "$1" '$s|@uri')
	body=$(jq -cn --arg t "${2:-0123456789abcdef}" --arg m "${3:-}" \
		'{messages: [{role: "user", content: [{text: $t}]}]} + (if $m == "" then {} else {requestMetadata: {tenantId: $m}} end)')
	"$BTD_BUILD/tests/integration/engine/sign_headers" bedrock POST "http://127.0.0.1:$PORT/model/$enc/converse" \
		"$body" >"$WORK/hdr"
	curl -sf -H @"$WORK/hdr" --data "$body" "http://127.0.0.1:$PORT/model/$enc/converse" >/dev/null ||
		fail "Converse $1"
}

# app_session ACCOUNT ROLE [AKID:SECRET]: a tenant's application's session, its role
# assumed (AssumeRole signed with the given keys, by default the daemon's): sets
# APP_KEY, APP_SECRET and APP_TOKEN.
app_session() {
	local session
	session=$(curl -sf --max-time 30 --aws-sigv4 "aws:amz:us-east-1:sts" --user "${3:-$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY}" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::$1:role/$2&RoleSessionName=app" \
		"http://127.0.0.1:$PORT/")
	app_field() { echo "$session" | sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p"; }
	APP_KEY=$(app_field AccessKeyId) APP_SECRET=$(app_field SecretAccessKey) APP_TOKEN=$(app_field SessionToken)
	[ -n "$APP_TOKEN" ] || fail "AssumeRole of $2 in $1: $session"
}

# app_converse ARN: Converse through the profile ARN in app_session's session; prints
# the answer (or the error) and fails like the call.
app_converse() {
	local enc
	enc=$(jq -rn --arg a "$1" '$a | @uri')
	AWS_ACCESS_KEY_ID=$APP_KEY AWS_SECRET_ACCESS_KEY=$APP_SECRET AWS_SESSION_TOKEN=$APP_TOKEN \
		python3 "$BTD_TESTS/awscall.py" "$PORT" bedrock POST "/model/$enc/converse" \
		'{"messages":[{"role":"user","content":[{"text":"hello"}]}]}'
}

# app_denied ARN: the call is refused by an explicit deny (a budget's deny policy).
app_denied() {
	local out
	if out=$(app_converse "$1"); then return 1; fi
	grep -q "is not authorized to perform: bedrock:InvokeModel.*with an explicit deny" <<<"$out"
}

# sign_call SERVICE METHOD PATH [BODY]: an AWS call signed with curl's SigV4 (for
# resources the daemon must not own; the path must not hold an ARN, see aws-wire.md 6.2).
# With TARGET set, an awsJson1.1 call (X-Amz-Target: $TARGET).
sign_call() {
	curl -sf --max-time 30 --aws-sigv4 "aws:amz:us-east-1:$1" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -X "$2" \
		-H "Content-Type: ${TARGET:+application/x-amz-json-1.1}${TARGET:-application/json}" \
		${TARGET:+-H "X-Amz-Target: $TARGET"} ${4:+--data "$4"} "http://127.0.0.1:$PORT$3"
}

# ce_status: Cost Explorer's own status of the cost-allocation tag key
# bedrock-tenantd:tenant ("" when it has never seen it).
ce_status() {
	TARGET=AWSInsightsIndexService.ListCostAllocationTags sign_call ce POST / '{"TagKeys":["bedrock-tenantd:tenant"]}' |
		jq -r '.CostAllocationTags[0].Status // ""'
}

# create_role NAME...: IAM roles in the default account (the daemon only writes
# policies on roles an operator made).
create_role() {
	local role try
	for role in "$@"; do
		for try in $(seq 30); do # a fault plan may throttle this too
			curl -sf --max-time 30 --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
				-H 'Content-Type: application/x-www-form-urlencoded' \
				--data "Action=CreateRole&Version=2010-05-08&RoleName=$role" \
				--data-urlencode 'AssumeRolePolicyDocument={"Version":"2012-10-17","Statement":[]}' \
				"http://127.0.0.1:$PORT/" >/dev/null && break
			[ "$try" -lt 30 ] || fail "could not create role $role"
			sleep 0.1
		done
	done
}

# role_policy ROLE NAME: the inline policy document awsim holds ("" when none).
role_policy() {
	awsim_get state | jq -r --arg r "$1" --arg n "$2" \
		'[.accounts[].roles[] | select(.name == $r) | .policies[$n] // empty] | .[0] // ""'
}

# budget NAME: awsim's record of the budget (null when none).
budget() {
	awsim_get state | jq -c --arg n "$1" '[.accounts[].budgets[] | select(.name == $n)] | .[0]'
}

# write_budget_tenant ID LIMIT "THRESHOLD:TYPE:EMAIL ..." [ROLES]: a tenant with a
# budget (alerts as threshold:type:email) and optional access roles (a YAML list).
write_budget_tenant() {
	local id=$1 limit=$2 alerts=$3 roles=${4:-} a
	{
		echo "apiVersion: bedrock-tenantd/v1"
		echo "kind: Tenant"
		echo "metadata:"
		echo "  name: $id"
		echo "spec:"
		echo "  tags:"
		echo "    CostCenter: eng"
		echo "  profiles:"
		echo "    - name: p1"
		echo "      model: ${MODEL:-anthropic.claude-3-5-haiku-20241022-v1:0}"
		echo "  budget:"
		echo "    limit_usd: $limit"
		echo "    period: ${PERIOD:-monthly}"
		if [ -n "$alerts" ]; then
			echo "    alerts:"
			for a in $alerts; do
				echo "      - threshold_percent: ${a%%:*}"
				a=${a#*:}
				echo "        type: ${a%%:*}"
				echo "        emails: [${a#*:}]"
			done
		fi
		[ -z "$roles" ] || printf '  access:\n    roles: %s\n' "$roles"
	} >"$WORK/tenants/$id.yaml.tmp"
	mv "$WORK/tenants/$id.yaml.tmp" "$WORK/tenants/$id.yaml"
}

# write_acme_moving REGION [ACCOUNT]: acme with a profile, its parameter, a budget and
# the role app's policy, placed in REGION (and the account alias ACCOUNT): the tenant
# the move tests move about.
write_acme_moving() {
	{
		echo "apiVersion: bedrock-tenantd/v1"
		echo "kind: Tenant"
		echo "metadata:"
		echo "  name: acme"
		echo "spec:"
		echo "  region: $1"
		[ -z "${2:-}" ] || echo "  account: $2"
		echo "  tags: {CostCenter: eng}"
		echo "  profiles:"
		echo "    - name: p1"
		echo "      model: anthropic.claude-3-5-haiku-20241022-v1:0"
		echo "  budget: {limit_usd: 100, period: monthly}"
		echo "  access: {roles: [app]}"
	} >"$WORK/tenants/acme.yaml.tmp"
	mv "$WORK/tenants/acme.yaml.tmp" "$WORK/tenants/acme.yaml"
}

# git_sync_setup: SYNC names the script bedrock-tenantd-git-sync of this tree; git runs
# with a HOME of the test's own (no system configuration) committing as the platform
# team on branch main. src: git in the test's clone $WORK/src; current: where the
# synced link $WORK/sync/current points; status_error: the error its status records.
git_sync_setup() {
	SYNC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/contrib/git-sync/bedrock-tenantd-git-sync
	export GIT_CONFIG_NOSYSTEM=1 HOME=$WORK/home
	mkdir -p "$HOME"
	git config --global user.name "Platform Team"
	git config --global user.email platform@example.com
	git config --global init.defaultBranch main
}
src() { git -C "$WORK/src" "$@"; }
current() { readlink "$WORK/sync/current"; }
status_error() { sed -n 's/^error=//p' "$WORK/sync/.git-sync-status"; }

# write_acme_enforcing [LIMIT [none|enforce [ROLES]]]: acme with a profile, a budget of
# LIMIT USD (10 by default) alerting at 80 % and enforcing at 100 % (not with "none"),
# and ROLES ("acme-app" by default; "acme-app, acme-ops": two): the tenant the
# enforcement tests drive over budget.
write_acme_enforcing() {
	cat >"$WORK/tenants/acme.yaml.tmp" <<YAML
apiVersion: bedrock-tenantd/v1
kind: Tenant
metadata:
  name: acme
spec:
  profiles:
    - name: p1
      model: anthropic.claude-3-5-haiku-20241022-v1:0
  budget:
    limit_usd: ${1:-10}
    alerts:
      - threshold_percent: 80
        emails: [ops@example.com]
$([ "${2:-}" = none ] || echo "    enforce: {at_percent: 100}")
  access:
    roles: [${3:-acme-app}]
YAML
	mv "$WORK/tenants/acme.yaml.tmp" "$WORK/tenants/acme.yaml"
}

# acme_deny_attached [ROLE]: 1 when acme's deny policy is attached to ROLE (acme-app by
# default), else 0.
acme_deny_attached() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "Action=ListAttachedRolePolicies&Version=2010-05-08&RoleName=${1:-acme-app}" "http://127.0.0.1:$PORT/" |
		grep -c "<PolicyArn>arn:aws:iam::111122223333:policy/bedrock-tenants/bedrock-tenantd-acme-deny</PolicyArn>" || true
}

# start_pool_tenants N: awsim and the daemon with a pool of 3 accounts in us-east-1
# (add_pool_accounts), the tenants t0..t(N-1) written and every one Ready; their
# profiles' ARNs (pool_arns N) in $WORK/arns.before.
start_pool_tenants() {
	local i
	start_awsim
	write_config
	add_pool_accounts 3 "us-east-1"
	for ((i = 0; i < $1; i++)); do write_tenant "t$i"; done
	start_daemon
	wait_until 90 "every tenant Ready" all_ready
	pool_arns "$1" >"$WORK/arns.before"
}

# pool_arns N: the ARN resolve gives for profile p1 of each of t0..t(N-1), a line each.
pool_arns() {
	local i
	for ((i = 0; i < $1; i++)); do ctl resolve "t$i" p1; done
}

# one_place_failing: the status counts exactly one place whose listing fails.
one_place_failing() { status_json | jq -e '.places_failing == 1' >/dev/null; }

# start_acme_enforcing ROLES [ARGS...]: awsim with the IAM roles ROLES (a space-separated
# list) and budgets-exec, the daemon configured with budgets-exec as the Budgets actions'
# execution role, acme written by write_acme_enforcing ARGS, and acme Ready.
start_acme_enforcing() {
	local roles=$1
	shift
	start_awsim
	# shellcheck disable=SC2086 # ROLES is a list
	create_role $roles budgets-exec
	write_config "budget_actions:
  execution_role: budgets-exec"
	write_acme_enforcing "$@"
	start_daemon
	ctl wait-ready 60 >/dev/null || fail "not ready"
	wait_eq 60 "acme Ready" Ready tenant_state acme
}

# acme_over_budget: acme's actual spend past its limit of 10 USD, and a resync: OverBudget.
acme_over_budget() {
	awsim_put budgets/bedrock-tenant-acme/spend '{"actual":"10.5"}' || fail "set spend"
	ctl resync >/dev/null
	wait_eq 30 "acme OverBudget" OverBudget tenant_state acme
}

# acme_action_status: the status of acme's Budgets action ("none" when it has none).
acme_action_status() {
	TARGET=AWSBudgetServiceGateway.DescribeBudgetActionsForAccount sign_call budgets POST / \
		'{"AccountId":"111122223333"}' |
		jq -r '[.Actions[] | select(.BudgetName == "bedrock-tenant-acme")][0].Status // "none"'
}

# iam_by_hand ACTION [CURL ARGS...]: an IAM Query call as an operator would make it
# (--data NAME=VALUE for its parameters); fails the test when refused.
iam_by_hand() {
	curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' --data "Action=$1&Version=2010-05-08" "${@:2}" \
		"http://127.0.0.1:$PORT/" >/dev/null || fail "$1 by hand"
}

# plan_waits N REASON: `bedrock-tenantd plan` shows N tenants waiting with REASON (a
# fixed string), exits 2 (changes pending) and plans no create.
plan_waits() {
	local rc=0
	"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
	[ $rc = 2 ] || fail "plan exits $rc, want 2 (tenants waiting): $(cat "$WORK/plan.out")"
	[ "$(grep -cF "$2" "$WORK/plan.out")" = "$1" ] || fail "plan does not show $1 tenant(s) waiting: $(cat "$WORK/plan.out")"
	! grep -q "create" "$WORK/plan.out" || fail "plan creates: $(cat "$WORK/plan.out")"
}

# calls OP: how many OK calls awsim counted for "service:Operation".
calls() { awsim_get calls | jq -r --arg op "$1" '.[$op].ok // 0'; }
