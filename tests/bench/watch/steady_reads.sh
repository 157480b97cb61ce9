#!/usr/bin/env bash
# steady_reads.sh: the cost of watching a converged fleet. N tenants (a profile, a
# parameter, a budget with one alert and an IAM role each, in one account and region)
# converge against awsim; then awsim's call counters are zeroed, K resyncs are run
# (`bedrock-tenantctl resync`, each waited for until the calls stop), and the reads and
# writes counted by awsim are divided by N x K. A measurement, not a test: it prints
# the figure (docs/PERFORMANCE.md, "Cost of watching"); the integration test
# test_steady_reads.sh asserts the bound.
#
# usage: BTD_BUILD=build-asan tests/bench/watch/steady_reads.sh [N [K]]
set -euo pipefail
N=${1:-300}
K=${2:-2}
. "$(cd "$(dirname "$0")" && pwd)/../../integration/engine/lib.sh"
. "$(cd "$(dirname "$0")" && pwd)/steady_lib.sh"

start_awsim
write_config
steady_fleet "$N"
start_daemon
wait_until 600 "$N tenants Ready" all_ready
steady_measure "$K"
echo "tenants=$N resyncs=$STEADY_RESYNCS reads=$STEADY_READS writes=$STEADY_WRITES" \
	"reads_per_tenant_per_resync=$STEADY_RATE"
echo "reads by operation:"
echo "$STEADY_BY_OP"
