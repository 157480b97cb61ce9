#!/usr/bin/env bash
# Tenants of a pool removed while the daemon is down: after the restart the pool's
# places are listed at once, before the manifests are scanned; their tenants without a
# manifest are taken up as soon as the scan is applied (they waited for the next
# resync, 30 s here, while the daemon said it was ready with nothing to do), and go
# after the grace period. The rest stay Ready, untouched.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 2 "us-east-1, us-west-2"
for i in $(seq 0 11); do write_tenant "t$i"; done
start_daemon
wait_until 60 "every tenant Ready" all_ready
one_profile_each 12
stop_daemon
rm "$WORK/tenants/t3.yaml" "$WORK/tenants/t7.yaml" "$WORK/tenants/t10.yaml"
start_daemon
gone() { for id in t3 t7 t10; do [ "$(awsim_profiles_of "$id")" = 0 ] || return 1; done; }
wait_until 20 "the removed tenants' profiles deleted (well before the resync, 30 s)" gone
one_profile_each 9
stop_daemon
echo PASS
