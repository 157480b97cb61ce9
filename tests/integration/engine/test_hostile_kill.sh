#!/usr/bin/env bash
# SIGKILL at bad moments, at 200 tenants over a pool of two accounts in two Regions:
# while syncs of the state store's write-ahead log take 150 ms (sync_shim), so that
# create intents are being synced and checkpoints (off the loop, every 200 pages) are
# under way when the daemon dies; six times during the first convergence, and six
# more while 40 tenants change model (creates, then the switch of each parameter and
# the drain of the old profile). After each restart the store opens as it is (never
# moved aside as damaged), and at the end every tenant has one profile, every
# parameter names a live profile, and nothing was created twice.
. "$(dirname "$0")/lib.sh"
use_sync_shim
echo "slow 150" >"$WORK/sync.ctl"
N=200
DRAIN=3s start_awsim
DRAIN=3s write_config
add_pool_accounts 2 "us-east-1, us-west-2"
sed -i 's/requests_per_second: 400, burst: 400/requests_per_second: 2000, burst: 2000/' "$WORK/config.yaml"
manifest() { # manifest ID MODEL
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: %s\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: %s\n' \
		"$1" "$2" >"$WORK/tenants/$1.yaml.tmp"
	mv "$WORK/tenants/$1.yaml.tmp" "$WORK/tenants/$1.yaml"
}
for i in $(seq -w 1 "$N"); do manifest "t$i" anthropic.claude-3-5-haiku-20241022-v1:0; done

kills() { # kills COUNT: SIGKILL at spread moments, a restart after each
	local k
	for k in $(seq "$1"); do
		sleep "0.$((RANDOM % 9 + 1))"
		kill -9 "$DAEMON_PID"
		wait "$DAEMON_PID" 2>/dev/null || true
		start_daemon
	done
}
start_daemon
kills 6
wait_until 80 "Ready after the kills of the first convergence" all_ready
for i in $(seq -f %03g 1 40); do manifest "t$i" anthropic.claude-3-haiku-20240307-v1:0; done
kills 6
wait_until 80 "Ready after the kills of the model change" all_ready
grep -q "moved aside\|malformed" "$WORK/daemon.log" && fail "the state store was found damaged after a kill: $(grep -m1 "moved aside\|malformed" "$WORK/daemon.log")"
# the old profiles of the changed tenants drain (3 s), then one profile each
managed() { awsim_get state | jq "$PROFILES"' | map(select(.tag["bedrock-tenantd:managed-by"] == "bedrock-tenantd")) | length'; }
wait_eq 60 "one profile each once the old ones drained" "$N" managed
one_profile_each $N
changed=$(awsim_get state | jq "$PROFILES"' | map(select(.tag["bedrock-tenantd:model"] | test("claude-3-haiku-20240307"))) | length')
[ "$changed" = 40 ] || fail "$changed profiles on the new model, want 40"
stop_daemon
echo PASS
