# Shared by steady_reads.sh and the integration test test_steady_reads.sh (sourced after
# tests/integration/engine/lib.sh): a fleet of N tenants and the steady-state count.

# steady_fleet N: N tenants, each with a profile, a parameter, a budget with one alert
# and its own IAM role (made in awsim first).
steady_fleet() {
	local n=$1 i roles=()
	for i in $(seq "$n"); do
		roles+=("steady-role-$i")
	done
	create_roles_bulk "${roles[@]}"
	for i in $(seq "$n"); do
		write_budget_tenant "t$i" 100 "80:actual:ops$i@example.com" "[steady-role-$i]"
	done
}

# create_roles_bulk NAME...: the roles, four calls at a time (waiting for these only:
# awsim runs in the background too).
create_roles_bulk() {
	local role pids=()
	for role in "$@"; do
		create_role "$role" &
		pids+=($!)
		if [ ${#pids[@]} -ge 4 ]; then
			wait "${pids[@]}"
			pids=()
		fi
	done
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
}

# calls_settled: awsim's counters did not move over one second.
calls_settled() {
	local a b
	a=$(awsim_get calls | jq -c 'map_values(.ok + .failed + .throttled)')
	sleep 1
	b=$(awsim_get calls | jq -c 'map_values(.ok + .failed + .throttled)')
	[ "$a" = "$b" ]
}

# listings_past N: awsim answered more than N ListInferenceProfiles pages.
listings_past() { [ "$(calls bedrock:ListInferenceProfiles)" -gt "$1" ]; }

# steady_measure K: K resyncs (`ctl resync`, one place) over a converged fleet, each
# waited for until awsim's counters stand still. Sets STEADY_RESYNCS (the listings
# awsim answered: ListInferenceProfiles calls, one page each below 1,000 profiles a
# place; a resync asked for while a listing runs may make one more), STEADY_READS,
# STEADY_WRITES, STEADY_RATE (reads per tenant per listing) and STEADY_BY_OP.
steady_measure() {
	local k=$1 i tenants calls before
	wait_until 120 "the calls settle" calls_settled
	awsim_put calls/reset
	for i in $(seq "$k"); do
		before=$(calls bedrock:ListInferenceProfiles)
		ctl resync >/dev/null
		wait_until 120 "listing $i" listings_past "$before"
		wait_until 120 "the calls settle after resync $i" calls_settled
	done
	calls=$(awsim_get calls)
	tenants=$(status_json | jq .tenants.total)
	STEADY_RESYNCS=$(echo "$calls" | jq '.["bedrock:ListInferenceProfiles"].ok // 0')
	STEADY_READS=$(echo "$calls" | jq '[to_entries[] | select(.value.mutating | not) | .value.ok + .value.failed + .value.throttled] | add // 0')
	STEADY_WRITES=$(echo "$calls" | jq '[to_entries[] | select(.value.mutating) | .value.ok + .value.failed + .value.throttled] | add // 0')
	STEADY_RATE=$(jq -n --argjson r "$STEADY_READS" --argjson t "$tenants" --argjson k "$STEADY_RESYNCS" \
		'if $t * $k == 0 then 0 else ($r / ($t * $k) * 1000 | round) / 1000 end')
	STEADY_BY_OP=$(echo "$calls" | jq -r 'to_entries[] | "  \(.key) \(.value.ok + .value.failed + .value.throttled)\(if .value.mutating then " (mutating)" else "" end)"')
}
