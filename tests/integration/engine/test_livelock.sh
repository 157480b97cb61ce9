#!/usr/bin/env bash
# Slow AWS answers plus tenants that keep retrying: every reconcile slot is taken by a
# tenant waiting on a slow CreateInferenceProfile while tenants whose IAM roles do not
# exist back off and come due again and again. The daemon keeps answering its control
# socket (each /v1/health within 1 s, throughout), makes progress, and stops on
# SIGTERM.
. "$(dirname "$0")/lib.sh"
GOOD=100
BAD=40
cat >"$WORK/faults.json" <<'JSON'
{"rules": [
  {"service": "bedrock", "operation": "CreateInferenceProfile", "latency_ms": 3000}
]}
JSON
start_awsim --faults "$WORK/faults.json"
write_config "max_in_flight: 16"
for i in $(seq -w 1 $GOOD); do
	write_tenant "g$i"
done
# roles nobody made: the policy fails as retryable, the tenant backs off and retries
for i in $(seq -w 1 $BAD); do
	cat >"$WORK/tenants/b$i.yaml" <<YAML
apiVersion: bedrock-tenantd/v1
kind: Tenant
metadata:
  name: b$i
spec:
  tags:
    CostCenter: eng
  profiles:
    - name: p1
      model: anthropic.claude-3-5-haiku-20241022-v1:0
  access:
    roles: [missing-role-b$i]
YAML
done
start_daemon

health() { curl -sf --max-time 1 --unix-socket "$WORK/control.sock" http://localhost/v1/health >/dev/null; }
ready_count() { status_json | jq -r '.tenants.by_state.Ready // 0'; }

# Throughout the convergence of the good tenants (3 s a create, 16 requests at once),
# and at least until the retrying tenants have backed off a few times.
start=$SECONDS
checks=0
while :; do
	health || fail "/v1/health did not answer within 1 s after $((SECONDS - start)) s ($(ps -o pcpu= -p "$DAEMON_PID")% CPU)"
	checks=$((checks + 1))
	ready=$(ready_count)
	if [ $((SECONDS - start)) -ge 20 ] && [ "${ready:-0}" -ge $GOOD ]; then
		break
	fi
	[ $((SECONDS - start)) -lt 90 ] || fail "only ${ready:-0} of $GOOD tenants Ready after 90 s"
	sleep 0.2
done
echo "health answered $checks times in $((SECONDS - start)) s; $ready tenants Ready"
# the retrying tenants are still retrying, not Ready
tenant_json b01 | jq -e '.state != "Ready"' >/dev/null || fail "b01 is Ready without its role"
grep -q 'missing-role-b' "$WORK/daemon.log" || fail "no retry of a missing role was logged"

# SIGTERM ends it, promptly (shutdown_timeout is 5 s)
kill -TERM "$DAEMON_PID"
for _ in $(seq 150); do
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "the daemon is still running 15 s after SIGTERM"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ $rc -eq 0 ] || fail "the daemon exited with $rc after SIGTERM"
echo PASS
