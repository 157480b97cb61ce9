#!/usr/bin/env bash
# bedrock-tenantctl as an operator uses it: options anywhere on the line, -o
# json|wide|name, --version, tenants --state (and the daemon's ?state= with its 400
# for an unknown state), --watch ending on SIGINT and when the daemon goes away, a
# replaced profile shown draining with its deletion time, a budget's spend never "?".
. "$(dirname "$0")/lib.sh"
DRAIN=300s
start_awsim
write_config
write_tenant alpha
write_budget_tenant beta 1000 ""
start_daemon
wait_until 60 "Ready" all_ready
S=$WORK/control.sock

# options before and after the command and its arguments, long and short forms
want=$(ctl --json tenant alpha | jq -c .id) || true
[ "$want" = '"alpha"' ] || fail "--json before the command: $want"
for line in "tenant alpha --json" "tenant alpha -o json" "tenant alpha --output=json" "tenant -ojson alpha" \
	"-o json tenant alpha" "tenant alpha --output json"; do
	got=$("$CTL_BIN" $line --socket "$S" | jq -c .id) || true
	[ "$got" = '"alpha"' ] || fail "bedrock-tenantctl $line --socket: '$got'"
done
got=$("$CTL_BIN" tenant --socket="$S" -- alpha | sed -n '1s/^tenant *//p') || true
[ "$got" = alpha ] || fail "-- ends the options: '$got'"

# unknown options, missing values, bad values: a clear message and status 2
usage_error() { # EXPECTED-MESSAGE ARGS...
	local want=$1 rc=0
	shift
	ctl "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] || fail "bedrock-tenantctl $*: exit $rc, want 2"
	grep -qF -- "$want" "$WORK/err" || fail "bedrock-tenantctl $*: no '$want' in: $(cat "$WORK/err")"
}
usage_error "unknown option --bogus" tenants --bogus
usage_error "unknown option -x" status -x
usage_error "option --state needs a value" tenants --state
usage_error "option -o needs a value" tenants -o
usage_error "unknown output format 'yaml'" tenants -o yaml
usage_error "unknown command 'tenantz'" tenantz
usage_error "tenant takes the arguments ID" tenant
usage_error "--state applies to tenants" status --state Ready
usage_error "--watch: resync cannot be watched" resync --watch
usage_error "unknown tenant state 'Bogus'" tenants --state Ready,Bogus

# --version and version: the client's and the daemon's
ctl --version >"$WORK/out"
grep -qx "bedrock-tenantctl [0-9.]*" "$WORK/out" || fail "no client version: $(cat "$WORK/out")"
grep -q "^bedrock-tenantd [0-9.]* (at $S)" "$WORK/out" || fail "no daemon version: $(cat "$WORK/out")"
ctl version -o json | jq -e '.client != null and .daemon != null' >/dev/null || fail "version -o json"
"$CTL_BIN" --socket "$WORK/nobody.sock" --version >"$WORK/out" 2>"$WORK/err" || fail "--version without a daemon must exit 0"
grep -q "cannot reach the daemon" "$WORK/err" || fail "--version does not say the daemon is unreachable"

# -o wide adds columns; -o name lists ids; -o json is the daemon's answer
ctl tenants -o wide | head -1 | grep -q "LAST RECONCILED.*NEXT TIMER.*CONFLICTS" || fail "tenants -o wide"
ctl status -o wide | grep -q "^since start" || fail "status -o wide"
ctl tenant alpha -o wide | grep -q "^PROFILE .*PARAMETER" || fail "tenant -o wide"
ctl resolve alpha p1 -o wide | grep -q "^parameter *\/bedrock-tenants/alpha/p1/" || fail "resolve -o wide"
[ "$(ctl tenants -o name | tr '\n' ' ')" = "alpha beta " ] || fail "tenants -o name: $(ctl tenants -o name)"
[ "$(ctl tenants -o json | jq -c '[.tenants[].id]')" = '["alpha","beta"]' ] || fail "tenants -o json"

# tenants --state, backed by /v1/tenants?state=; a tenant whose model AWS refuses stalls
write_tenant gamma no-such.model-v9:0
wait_until 60 "gamma Stalled" state_is gamma Stalled
[ "$(ctl tenants --state Stalled -o name)" = gamma ] || fail "--state Stalled: $(ctl tenants --state Stalled -o name)"
[ "$(ctl tenants --state=ready -o name | tr '\n' ' ')" = "alpha beta " ] || fail "--state=ready"
[ "$(ctl tenants --state Stalled,Ready -o name | wc -l)" = 3 ] || fail "--state Stalled,Ready"
only=$(curl -sf --unix-socket "$S" "http://localhost/v1/tenants?state=Stalled,Error" | jq -c '[.tenants[].id]')
[ "$only" = '["gamma"]' ] || fail "GET /v1/tenants?state=Stalled,Error: $only"
rc=0
ctl tenants --state Stalled >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "a Stalled tenant listed: exit $rc, want 1"
ctl tenants --state Ready >/dev/null || fail "only Ready tenants listed: exit 0 expected"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' --unix-socket "$S" "http://localhost/v1/tenants?state=Nope")
[ "$code" = 400 ] && jq -e '.error | test("unknown tenant state .Nope.*Stalled")' "$WORK/body" >/dev/null ||
	fail "?state=Nope: $code $(cat "$WORK/body")"
rm "$WORK/tenants/gamma.yaml"
wait_until 60 "gamma gone" gone gamma

# an id "." or ".." is not one (exit 2): it reached another route (`reconcile ..`
# was POST /v1/reconcile, every tenant; `history ..` every tenant's history)
for line in "reconcile .." "reconcile ." "history .." "tenant .." "tenant ."; do
	rc=0
	ctl $line >"$WORK/out" 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "bedrock-tenantctl $line: exit $rc, want 2: $(cat "$WORK/out")"
done

# a budget's spend: "not yet reported" with the reason, never "?"; then AWS's figure
ctl tenant beta >"$WORK/out" || true
grep -q "spend ?" "$WORK/out" && fail "'spend ?' shown: $(grep 'live budget' "$WORK/out")"
grep -q "^live budget .*spend \(not yet reported (.*)\|0 actual\)" "$WORK/out" ||
	fail "no spend line: $(cat "$WORK/out")"
awsim_put budgets/bedrock-tenant-beta/spend '{"actual":"12.5","forecasted":"40"}'
ctl resync >/dev/null
beta_spend() { ctl tenant beta | grep -q "^live budget .*spend 12.5 actual / 40 forecasted"; }
wait_until 30 "beta's spend shown" beta_spend

# a replaced profile drains: shown with its deletion time
old=$(tenant_json alpha | jq -r '.observed.profiles[0].arn')
write_tenant alpha amazon.nova-lite-v1:0
draining() { tenant_json alpha | jq -e --arg a "$old" '.observed.profiles[] | select(.arn == $a) | .deletion.timer == "drain"'; }
wait_until 60 "the old profile draining" draining
at=$(tenant_json alpha | jq -r --arg a "$old" '.observed.profiles[] | select(.arn == $a) | .deletion.at')
ctl tenant alpha >"$WORK/out" || true
grep -q "^old profile .*($old): draining: deleted after $at" "$WORK/out" ||
	fail "the draining profile is not shown with its deletion time ($at): $(cat "$WORK/out")"

# --watch: draws again on a change, ends with 0 on SIGINT
"$CTL_BIN" --socket "$S" tenants -w --interval 0.2 >"$WORK/watch" 2>"$WORK/watch.err" &
watch_pid=$!
wait_until 30 "a first drawing" grep -q "^alpha " "$WORK/watch"
write_tenant delta
wait_until 60 "a drawing with delta" grep -q "^delta " "$WORK/watch"
drawings=$(grep -c "^TENANT " "$WORK/watch")
[ "$drawings" -ge 2 ] || fail "one drawing only"
kill -INT $watch_pid
rc=0
wait $watch_pid || rc=$?
[ $rc -eq 0 ] || fail "--watch ended by SIGINT with $rc: $(cat "$WORK/watch.err")"

# text from outside (here a manifest's file name with a terminal's escape sequence)
# is shown with its control characters as '?', never sent to the terminal; the JSON
# keeps it, escaped
esc_file="$WORK/tenants/$(printf 'odd\033[2J\033]0;title\007').yaml"
sed 's/name: alpha/name: odd/' "$WORK/tenants/alpha.yaml" >"$esc_file"
wait_until 30 "odd known" sh -c "'$CTL_BIN' --socket '$S' --json tenant odd >/dev/null 2>&1"
out=$("$CTL_BIN" --socket "$S" tenant odd)
if printf '%s' "$out" | grep -q $'[\033\007]'; then fail "a control character reached the terminal: $(printf '%s' "$out" | od -c | head -5)"; fi
printf '%s' "$out" | grep -q 'odd?\[2J?\]0;title?\.yaml' || fail "the file name is not shown: $out"
"$CTL_BIN" --socket "$S" --json tenant odd | grep -q 'odd\\u001b\[2J' || fail "the JSON lost the file name's escape"
rm -f "$esc_file"

# --watch on a tenant: ends with 3 and a message when the daemon goes away
"$CTL_BIN" tenant alpha --watch --interval=0.2 --socket "$S" >"$WORK/watch" 2>"$WORK/watch.err" &
watch_pid=$!
wait_until 30 "a first drawing" grep -q "^tenant *alpha" "$WORK/watch"
stop_daemon
rc=0
wait $watch_pid || rc=$?
[ $rc -eq 3 ] || fail "--watch after the daemon went away: exit $rc, want 3"
grep -q "the daemon went away" "$WORK/watch.err" || fail "no message: $(cat "$WORK/watch.err")"
echo PASS
