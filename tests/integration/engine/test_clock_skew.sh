#!/usr/bin/env bash
# This host's clock an hour off AWS's (awsim --clock-offset), as on an ops host whose
# NTP failed: AWS refuses every signature more than 5 minutes off. The daemon learns
# AWS's time from the answers' Date headers, as AWS's SDKs do, signs with it, says so
# in its log and in status (aws.clock_offset_ms), and every tenant (some in an account
# reached through a role, whose session expires by AWS's clock) is reconciled: Ready,
# one profile each. Both ways: AWS an hour ahead, then an hour behind.
. "$(dirname "$0")/lib.sh"
for offset in 3600 -3600; do
	start_awsim --clock-offset "$offset"
	write_config
	add_role_accounts 2
	write_tenant t0
	write_tenant t1
	sed -i 's/^spec:$/spec:\n  account: a1/' "$WORK/tenants/t1.yaml"
	start_daemon
	wait_until 60 "AWS $offset s away: every tenant Ready" all_ready
	one_profile_each 2
	got=$(status_json | jq '.aws.clock_offset_ms')
	[ $((got / 1000 - offset)) -ge -5 ] && [ $((got / 1000 - offset)) -le 5 ] ||
		fail "status aws.clock_offset_ms $got, AWS is $offset s away"
	grep -q "this host's clock is [+-][0-9]* s off AWS's" "$WORK/daemon.log" || fail "no log line about the clock"
	ctl resolve t1 p1 | grep -q ":$(printf '1111000000%02d' 1):" || fail "t1 resolves to $(ctl resolve t1 p1)"
	stop_daemon
	kill "$AWSIM_PID"
	wait "$AWSIM_PID" || true
	rm -rf "$WORK/state" "$WORK/tenants"/*.yaml
	cp "$WORK/daemon.log" "$WORK/daemon.$offset.log"; : >"$WORK/daemon.log"
done
grep -h "clock" "$WORK"/daemon.*.log
echo PASS
