#!/usr/bin/env bash
# bench_engine.sh: the daemon end to end against awsim, measured against DESIGN.md's
# "Scale and speed targets" (docs/PERFORMANCE.md, section Engine). A benchmark that
# prints figures, not a test: nothing here passes or fails on a time.
set -euo pipefail
export LC_ALL=C

usage() {
	cat <<'EOF'
usage: bench_engine.sh [options] scale N
       bench_engine.sh [options] startup N
       bench_engine.sh [options] throttled N
       bench_engine.sh [options] edits N

scale N      N tenants (engine_probe gen: 1-3 profiles, a budget with alerts and 1-2
             IAM roles each, one account per 4,000 tenants, the roles made in awsim
             beforehand) converged from nothing against awsim, then measured:
             - cold start: launch -> first full scan applied (the daemon's log, 1 ms)
             - control socket: GET /v1/status and GET /v1/tenants/{id} back to back
               (engine_probe hammer) from the scan until every tenant is reconciled,
               at rest, and during each warm restart
             - convergence time; VmHWM and VmRSS of the daemon once quiet
             - two steady-state resyncs: awsim's call counters (reads a tenant) against
               the paging minimum (the first after the convergence also reads the tags
               of the parameters the daemon wrote),
               the control socket meanwhile (and the loop's long turns with --turns)
             - manifest edits (rename into place): the rename -> the first mutating
               call in awsim's request log, timestamped as it is written (1 us)
             - warm restarts: launch -> scan applied -> ready; memory; mutating calls
             With --window W: only the first W seconds of the cold convergence
             (socket and edits over them, see --window), then the run stops.
startup N    only the startup: launch -> first full scan applied, once with an empty
             state directory (cold) and --restarts times with the state that run left
             (warm), stopping the daemon as soon as the scan is applied
throttled N  N tenants converged from nothing while awsim limits CreateInferenceProfile
             and PutParameter to --rate requests/s each in each account and Region
             (token buckets per place, as AWS's, burst = rate, at least 1; with --places AxR over
             A x R places) and the daemon's rate_limits match them, times --over
             (--limits); the convergence time against the bound, the slowest place's
             (calls needed - burst) / rate
edits N      the edit path alone: N tenants (the scale shape, --places as for scale),
             the daemon against an endpoint that accepts connections and never
             answers (no AWS work: no place is ever listed), --edits renames 1.5 s
             apart: rename -> "manifests (change)" in the daemon's log (1 ms), and
             the CPU time of the daemon's loop thread per edit (/proc/PID/schedstat,
             ns) over the edits, less an idle span as long

options:
  --build DIR     build directory (default: $BTD_BUILD, else <repo>/build-bench)
  --awsim PATH    the awsim binary (default: awsim of the build directory)
  --edits K       manifest edits to time (scale; default 50)
  --cold-edits K  scale: also edit K tenants one after the other while the cold
                  convergence runs, each timed from the rename until the tenant is
                  reconciled at its new revision (default 0)
  --restarts R    warm restarts (scale, startup; default 3)
  --probe-interval MS
                  scale: the control-socket client waits MS between requests instead of
                  sending them back to back (default 0; a busy client slows a large
                  convergence down: 1000 at 100,000 tenants)
  --settle DUR    the daemon's watch.settle (default: not set, the daemon's 200ms)
  --max-in-flight N  the daemon's max_in_flight (default: not set, the daemon's)
  --places AxR    spread the tenants over A accounts x R Regions (R at most 3: us-east-1,
                  us-west-2, us-east-2), each named by spec.account and spec.region,
                  with awsim at AWS's default quotas (1,000 profiles a place, 10,000
                  parameters a place, ...), instead of one account per 4,000 tenants
                  with the profile quota lifted
  --rate R        awsim's limit per mutating operation and place (throttled; default 50)
  --over F        the daemon's rate_limits are F times the matched ones (throttled;
                  default 1)
  --limits KIND   how the daemon's rate_limits match awsim's (throttled): `operation`
                  (default): rate_limits.bedrock.operations.CreateInferenceProfile and
                  rate_limits.ssm.operations.PutParameter at awsim's rate and burst, the
                  services unlimited (100/s); `service`: per service only, as before
                  there were operation limits (bedrock 2 x rate: each create is read back
                  with GetInferenceProfile; ssm 1 x rate)
  --runs R        convergences to measure (throttled; default 3)
  --window W      scale: measure over the first W seconds of the cold convergence
                  only, then stop (no need for every tenant to converge: for large N):
                  the control socket (back to back, or --probe-interval), and one
                  edit every 2 s of a tenant already Ready, each timed from the rename
                  to its first mutation answered (the audit record in the daemon's
                  log, 1 ms) and to the change applied; figures with the watch's
                  settle and without it
  --turns         scale: run the daemon with turn_probe (LD_PRELOAD) and report its loop
                  turns of 8 ms or more while converging from nothing, with the time
                  spent in fsync and in SQLite inside them (tests/bench/engine/turn_probe.c)
  --keep          keep the scratch directory (logs, latency samples) and print its path
                  (scale: with awsim's converged state saved in it, for --from)
  --from DIR      scale: start from the converged world a `scale N --keep` run left in
                  DIR (its manifests, awsim's saved state, the daemon's state directory;
                  all copied, DIR is not changed) instead of generating and converging
                  from nothing: the first start is a warm one, measured as the cold one
                  would be; N must be the N of that run
  --help          this text

Needs: the targets bedrock-tenantd bedrock-tenantctl awsim engine_probe built in the
build directory (and turn_probe for --turns), curl and jq; python3 for edits N (its
silent endpoint; awsim is not needed there).
EOF
}

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BTD_BUILD:-$HERE/../../../build-bench}
EDITS=50
COLD_EDITS=0
RESTARTS=3
SETTLE=
MAX_IN_FLIGHT=
RATE=50
OVER=1
LIMITS=operation
RUNS=3
KEEP=0
FROM=
INTERVAL=0
TURNS=0
WINDOW=0
PLACES=
AWSIM_BIN=
HANG_LIMIT=900
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--awsim) AWSIM_BIN=$2; shift 2 ;;
	--edits) EDITS=$2; shift 2 ;;
	--cold-edits) COLD_EDITS=$2; shift 2 ;;
	--restarts) RESTARTS=$2; shift 2 ;;
	--settle) SETTLE=$2; shift 2 ;;
	--max-in-flight) MAX_IN_FLIGHT=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--over) OVER=$2; shift 2 ;;
	--limits) LIMITS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--from) FROM=$2; shift 2 ;;
	--turns) TURNS=1; shift ;;
	--window) WINDOW=$2; shift 2 ;;
	--probe-interval) INTERVAL=$2; shift 2 ;;
	--places) PLACES=$2; shift 2 ;;
	--help | -h) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || { usage >&2; exit 2; }
MODE=$1
N=$2
case $MODE in scale | startup | throttled | edits) ;; *) usage >&2; exit 2 ;; esac
[[ $WINDOW =~ ^[0-9]+$ ]] || { echo "bench_engine.sh: --window must be a number of seconds" >&2; exit 2; }
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench_engine.sh: N must be a positive number" >&2; exit 2; }
GEN_ARGS=()
AWSIM_REGIONS=(--region us-east-1)
P_ACCOUNTS=0
P_REGIONS=1
if [ -n "$PLACES" ]; then
	[[ $PLACES =~ ^([1-9][0-9]*)x([1-3])$ ]] || { echo "bench_engine.sh: --places must be AxR, R from 1 to 3" >&2; exit 2; }
	P_ACCOUNTS=${BASH_REMATCH[1]}
	P_REGIONS=${BASH_REMATCH[2]}
	GEN_ARGS=(--accounts "$P_ACCOUNTS" --regions "$P_REGIONS")
	[ "$P_REGIONS" -lt 2 ] || AWSIM_REGIONS+=(--region us-west-2)
	[ "$P_REGIONS" -lt 3 ] || AWSIM_REGIONS+=(--region us-east-2)
fi

DAEMON=$BUILD/daemon/bedrock-tenantd
CTL_BIN=$BUILD/daemon/ctl/bedrock-tenantctl
AWSIM=${AWSIM_BIN:-$BUILD/tests/awsim/awsim}
PROBE=$BUILD/tests/bench/engine/engine_probe
TURN_LIB=$BUILD/tests/bench/engine/libturn_probe.so
for b in "$DAEMON" "$CTL_BIN" "$PROBE" $([ "$MODE" = edits ] || echo "$AWSIM"); do
	[ -x "$b" ] || { echo "bench_engine.sh: $b is missing (build it first, see --help)" >&2; exit 2; }
done
[ $TURNS = 0 ] || [ -f "$TURN_LIB" ] || { echo "bench_engine.sh: $TURN_LIB is missing (build turn_probe)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/btd-bench-engine-XXXXXX)
AWSIM_PID=
DAEMON_PID=
HAMMER_PID=
SAMPLER_PID=
PORT=
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL || true

cleanup() {
	local rc=$?
	for pid in "$SAMPLER_PID" "$HAMMER_PID" "$DAEMON_PID" "$AWSIM_PID"; do
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ $KEEP = 1 ] || [ $rc -ne 0 ]; then
		[ $rc -eq 0 ] || tail -n 20 "$WORK/daemon.log" 2>/dev/null || true
		echo "scratch directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "bench_engine.sh: $*" >&2
	exit 1
}

# ---- arithmetic and statistics ----

# fsub A B: A - B, six decimals.
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; }
# median of the numbers on stdin (one per line).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# quantiles of the numbers on stdin: "n N p50 X p99 Y max Z" (nearest rank).
quantiles() {
	sort -g | awk '{ v[NR] = $1 }
		function q(p,   r) { r = int(NR * p + 0.999999); if (r < 1) r = 1; return v[r] }
		END { if (NR) printf "n %d p50 %.2f p99 %.2f max %.2f", NR, q(0.5), q(0.99), v[NR]; else printf "n 0" }'
}
# log_epoch LINE: the wall-clock time of one of the daemon's log lines.
log_epoch() { date -u -d "${1%% *}" +%s.%3N; }

# ---- processes ----

# start_awsim [--faults FILE] [--log]: awsim on a free port; with --log its request
# log goes through `engine_probe stamp` into $WORK/awsim.log.
start_awsim() {
	local args=() log=0
	while [ $# -gt 0 ]; do
		case $1 in
		--faults) args+=(--faults "$2"); shift 2 ;;
		--log) log=1; shift ;;
		esac
	done
	# a fresh copy of the generated state (the roles) each time: awsim saves over it
	cp "$WORK/gen/awsim-state.json" "$WORK/awsim-state.json"
	args+=(--state "$WORK/awsim-state.json" --state-interval 86400)
	: >"$WORK/awsim.out"
	if [ $log = 1 ]; then
		"$AWSIM" --listen 127.0.0.1:0 --seed 7 --account 111122223333 "${AWSIM_REGIONS[@]}" "${args[@]}" \
			>"$WORK/awsim.out" 2> >("$PROBE" stamp >"$WORK/awsim.log") &
	else
		"$AWSIM" --listen 127.0.0.1:0 --quiet --seed 7 --account 111122223333 "${AWSIM_REGIONS[@]}" \
			"${args[@]}" >"$WORK/awsim.out" 2>"$WORK/awsim.log" &
	fi
	AWSIM_PID=$!
	for _ in $(seq 12000); do # up to 10 min: a saved state of 100,000 tenants is about 900 MB of JSON
		[ -s "$WORK/awsim.out" ] && break
		kill -0 "$AWSIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	PORT=$(sed -n '1s/^listening on 127.0.0.1://p' "$WORK/awsim.out")
	[ -n "$PORT" ] || fail "awsim did not start"
	A=http://127.0.0.1:$PORT/_awsim
}

# stop_awsim: at once, without saving its state.
stop_awsim() {
	kill -9 "$AWSIM_PID"
	wait "$AWSIM_PID" 2>/dev/null || true
	AWSIM_PID=
}

# write_config RATE_LIMITS_YAML
write_config() {
	{
		cat <<YAML
manifests: $WORK/gen/tenants
state_dir: $WORK/state
socket:
  path: $WORK/control.sock
  mode: "0660"
instance: bedrock-tenantd
region: us-east-1
YAML
		cat "$WORK/gen/accounts.yaml"
		cat <<YAML
resync_interval: 1d
policy:
  allowed_models: ["anthropic.*", "us.anthropic.*", "amazon.nova-*", "meta.llama3-1-*"]
  departments: [claims, engineering, marketing, research]
  required_tags: [CostCenter]
  max_budget_usd: 50000
rate_limits:
$1
endpoints:
  default: http://127.0.0.1:$PORT
watch:
  rescan_interval: 1d
YAML
		[ -z "$SETTLE" ] || echo "  settle: $SETTLE"
		[ -z "$MAX_IN_FLIGHT" ] || echo "max_in_flight: $MAX_IN_FLIGHT"
	} >"$WORK/config.yaml"
}

unlimited() {
	local s
	for s in bedrock ssm tagging sts budgets iam; do
		echo "  $s: {requests_per_second: 10000, burst: 10000}"
	done
}

# start_daemon: LAUNCH is the wall-clock time just before the fork.
start_daemon() {
	LAUNCH=$EPOCHREALTIME
	if [ $TURNS = 1 ]; then
		LD_PRELOAD=$TURN_LIB TURN_PROBE_OUT=$WORK/turns.txt \
			"$DAEMON" --config "$WORK/config.yaml" --log-stderr 2>>"$WORK/daemon.log" &
	else
		"$DAEMON" --config "$WORK/config.yaml" --log-stderr 2>>"$WORK/daemon.log" &
	fi
	DAEMON_PID=$!
}

# turns_between A B: a summary of turn_probe's long turns that began between A and B.
turns_between() {
	awk -v a="$1" -v b="$2" '!/^#/ && $1 >= a && $1 <= b { n++; busy += $2; sync += $4; step += $6
			if ($3 > 0) with_sync++; if ($2 > max) max = $2; if ($2 >= 10) over10++ }
		END { printf "%d turns of 8 ms or more (%d of 10 ms or more, longest %.0f ms): %.0f ms busy, of which" \
			" SQLite %.0f ms including fsync %.0f ms; %d of them synced to disk\n", n, over10, max, busy, step, sync, with_sync }' \
		"$WORK/turns.txt"
}

stop_daemon() {
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || fail "the daemon did not exit cleanly on SIGTERM"
	DAEMON_PID=
}

ctl() { "$CTL_BIN" --socket "$WORK/control.sock" "$@"; }
status_json() { ctl --json status 2>/dev/null || true; }

# start_hammer FILE: engine_probe hammer on the control socket until the daemon is
# ready, its samples into FILE; stop_hammer waits for it.
# cold_edits: COLD_EDITS edits while converging from nothing, one after the other; each
# from the rename until the tenant is reconciled at the new revision (its first
# reconcile included: the edit must not wait behind every other tenant's).
cold_edits() {
	local j i id f tmp t0 old deadline
	: >"$WORK/cold_edits.txt"
	for j in $(seq "$COLD_EDITS"); do
		i=$(((j * 4099 + 997) % N))
		id=$(printf 'tenant-%06d' "$i")
		f=$WORK/gen/tenants/group-$(printf '%03d' $((i / 1000)))/$id.yaml
		tmp=${f%/*}/.$id.yaml.tmp
		old=$(ctl --json tenant "$id" 2>/dev/null | jq -r '.revision // ""' || true)
		sed "s/^    Project: .*/    Project: cold-edit-$j/" "$f" >"$tmp"
		t0=$("$PROBE" rename "$tmp" "$f")
		deadline=$((SECONDS + 600))
		until ctl --json tenant "$id" 2>/dev/null |
			jq -e --arg old "$old" '.revision != $old and .revision == .reconciled_revision' >/dev/null; do
			[ $SECONDS -lt $deadline ] || fail "cold edit of $id: not reconciled after 600 s"
			sleep 0.05
		done
		echo "$(fsub "$EPOCHREALTIME" "$t0")" >>"$WORK/cold_edits.txt"
	done
	echo "edits while converging: rename -> reconciled at the new revision (ms):" \
		"$(awk '{ print $1 * 1000 }' "$WORK/cold_edits.txt" | quantiles); ready then: $(by_state)"
}

start_hammer() {
	"$PROBE" hammer --socket "$WORK/control.sock" --tenants "$N" --until-ready --seconds 86400 \
		--interval "$INTERVAL" --out "$1" >/dev/null &
	HAMMER_PID=$!
}
stop_hammer() {
	wait "$HAMMER_PID" || true
	HAMMER_PID=
}
# latencies KIND FILE SINCE: quantiles (ms) of the KIND requests of a hammer's samples
# sent at or after SINCE.
latencies() { awk -v k="$1" -v a="$3" '$3 == k && $1 >= a { print $2 / 1000 }' "$2" | quantiles; }

# wait_log REGEX K SECONDS: print the K-th line of the daemon's log matching REGEX.
wait_log() {
	local re=$1 k=$2 deadline=$((SECONDS + $3)) line
	while :; do
		line=$(grep -E "$re" "$WORK/daemon.log" | sed -n "${k}p")
		[ -z "$line" ] || { echo "$line"; return 0; }
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited"
		[ $SECONDS -lt $deadline ] || fail "no '$re' in the daemon's log after $3 s"
		sleep 0.02
	done
}
count_log() { grep -cE "$1" "$WORK/daemon.log" || true; }

# wait_ready_with_progress K [SECONDS]: until the K-th "first full sync done" (at most
# SECONDS, default 7200), printing the tenants by state every 30 s. A daemon that has
# not answered on its control socket for HANG_LIMIT seconds is reported and the run
# ends.
wait_ready_with_progress() {
	local next=$((SECONDS + 30)) start=$SECONDS limit=${2:-7200} answered=$SECONDS
	until [ "$(count_log 'first full sync done')" -ge "$1" ]; do
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited"
		if [ $SECONDS -ge $next ]; then
			next=$((SECONDS + 30))
			if ! curl -sf --max-time 10 --unix-socket "$WORK/control.sock" http://localhost/v1/health >/dev/null; then
				echo "  ... $((SECONDS - start)) s: no answer on the control socket within 10 s" \
					"($(ps -o pcpu= -p "$DAEMON_PID")% CPU)"
				[ $((SECONDS - answered)) -lt "$HANG_LIMIT" ] ||
					fail "the daemon has not answered on its control socket for $((SECONDS - answered)) s" \
						"($(ps -o pcpu= -p "$DAEMON_PID")% CPU; AWS calls: $(curl -sf "$A/calls" | jq -c 'map_values(.ok)'))"
				continue
			fi
			answered=$SECONDS
			# nothing queued, nothing running, not ready: tenants that cannot converge
			if status_json | jq -e '(.ready | not) and .queue.depth == 0 and .queue.reconciles_in_flight == 0 and
				.queue.aws_calls_in_flight == 0' >/dev/null; then
				fail "stuck: $(by_state); first problem: $(grep -m1 -E ' (error|warning) tenant=' "$WORK/daemon.log")"
			fi
			echo "  ... $((SECONDS - start)) s: $(by_state)"
		fi
		[ $((SECONDS - start)) -lt "$limit" ] || fail "not ready after $limit s"
		sleep 0.05
	done
}

# calls_total: every call awsim counted but the paced audit of budget notifications,
# which reads a few a second for ever at 100,000 tenants (daemon/engine/alerts_audit.c)
calls_total() {
	curl -sf "$A/calls" | jq '[to_entries[] | select(.key | test("^budgets:Describe(NotificationsForBudget|SubscribersForNotification)$") | not) |
		.value.ok + .value.throttled + .value.failed + .value.dropped] | add // 0'
}
# mutating_calls: "none", or each mutating operation awsim counted with its count.
mutating_calls() {
	curl -sf "$A/calls" | jq -r '[to_entries[] | select(.value.mutating) |
		"\(.key)=\(.value.ok + .value.throttled + .value.failed + .value.dropped)"] | join(",") |
		if . == "" then "none" else . end'
}

# wait_quiet SECONDS: ready, nothing in flight, and awsim's counters (calls_total) still for 1 s.
wait_quiet() {
	local deadline=$((SECONDS + $1)) last=-1 cur
	while :; do
		if status_json | jq -e '.ready and .queue.reconciles_in_flight == 0 and
			.queue.aws_calls_in_flight == 0' >/dev/null 2>&1; then
			cur=$(calls_total)
			[ "$cur" != "$last" ] || return 0
			last=$cur
		else
			last=-1
		fi
		[ $SECONDS -lt $deadline ] || fail "the daemon is not quiet after $1 s"
		sleep 1
	done
}

# memory: "HWM RSS" of the daemon in MB.
memory() { awk '/^VmHWM/ { h = $2 } /^VmRSS/ { r = $2 } END { printf "%.0f %.0f\n", h / 1024, r / 1024 }' "/proc/$DAEMON_PID/status"; }
by_state() { status_json | jq -c '.tenants.by_state | with_entries(select(.value > 0))'; }

# expected_pages: the paging minimum of one complete listing of every place, from the
# generator's layout (tenant i: account i % K and Region (i / K) % R, 1 + i % 3 profiles
# with a parameter each, one budget a tenant, budgets global to the account): "places
# L G S D" (ListInferenceProfiles by 1000, GetResources by 100 over each place's
# profiles and parameters and over each account's budgets, GetParametersByPath by 10,
# DescribeBudgets by 1000, once an account).
expected_pages() {
	local k
	k=$(grep -c '^  acct-' "$WORK/gen/accounts.yaml")
	awk -v n="$N" -v k="$k" -v r="$P_REGIONS" 'function up(a, b) { return a ? int((a + b - 1) / b) : 1 }
		BEGIN { for (i = 0; i < n; i++) { x = i % k; y = int(i / k) % r; p[x, y] += 1 + i % 3; t[x]++ }
			for (a = 0; a < k; a++) {
				for (y = 0; y < r; y++) {
					l += up(p[a, y], 1000); s += up(p[a, y], 50)
					g += up(2 * p[a, y], 100)
				}
				g += up(t[a], 100); d += up(t[a], 1000)
			}
			print k * r, l, g, s, d }'
}

generate() {
	if [ -n "$FROM" ]; then
		echo "== $N tenants converged already: copied from $FROM"
		[ "$(find "$FROM/gen/tenants" -name '*.yaml' | wc -l)" = "$N" ] || fail "$FROM does not hold $N tenants"
		cp -r "$FROM/gen" "$WORK/gen"
		cp "$FROM/awsim-state.json" "$WORK/gen/awsim-state.json" # start_awsim starts from it
		cp -r "$FROM/state" "$WORK/state"
		rm -f "$WORK/state/lock"
		return
	fi
	echo "== generating $N tenants"
	"$PROBE" gen "$WORK/gen" "$N" "${GEN_ARGS[@]}"
}

# ---- scale ----

# awsim's request log: "awsim: METHOD service:Operation region status ...". Resource
# writes of every service (sts:AssumeRole, which awsim also counts as mutating, is a
# credential fetch).
MUTATING_RE='awsim: [A-Z]+ [a-z]+:(Create|Update|Delete|Put|Tag|Untag|AddTags|RemoveTags)[A-Za-z]* '

run_scale() {
	local line t_scan t_ready cold_scan converge r0 before want took ctl_status ctl_tenant
	local i j id f tmp off t0 t1 got deadline k_scan k_ready k_apply hwm rss r_hwm r_rss samples=$WORK/hammer.txt
	local pages_places pages_list pages_tags pages_params pages_budgets

	generate
	start_awsim --log
	write_config "$(unlimited)"
	if [ -n "$FROM" ]; then echo "== warm start: $N tenants converged (--from)"; else echo "== cold start: $N tenants from nothing"; fi
	start_daemon
	line=$(wait_log 'manifests \(full scan\)' 1 600)
	t_scan=$(log_epoch "$line")
	cold_scan=$(fsub "$t_scan" "$LAUNCH")
	if [ "$WINDOW" -gt 0 ]; then
		echo "launch -> first full scan applied: $cold_scan s"
		run_window "$t_scan"
		return
	fi
	start_hammer "$samples"
	[ "$COLD_EDITS" = 0 ] || cold_edits
	wait_ready_with_progress 1 86400
	line=$(wait_log 'first full sync done' 1 10)
	t_ready=$(log_epoch "$line")
	stop_hammer
	converge=$(fsub "$t_ready" "$t_scan")
	wait_quiet 3600
	echo "launch -> first full scan applied: $cold_scan s"
	echo "scan applied -> every tenant reconciled (ready): $converge s"
	echo "tenants by state: $(by_state)"
	echo "AWS calls: $(curl -sf "$A/calls" | jq -c 'to_entries | map("\(.key)=\(.value.ok)") | join(" ")')"
	read -r hwm rss < <(memory)
	echo "memory once quiet after converging: VmHWM $hwm MB, VmRSS $rss MB"
	ctl_status=$(latencies status "$samples" "$t_scan")
	ctl_tenant=$(latencies tenant "$samples" "$t_scan")
	echo "control socket while converging (ms; requests sent from the scan until ready, interval $INTERVAL ms):"
	echo "  GET /v1/status: $ctl_status"
	echo "  GET /v1/tenants/{id}: $ctl_tenant"
	[ $TURNS = 0 ] || echo "loop turns while converging: $(turns_between "$t_scan" "$t_ready")"
	if [ $KEEP = 1 ]; then
		curl -sf -X POST "$A/save" >/dev/null && echo "awsim's converged state saved in $WORK/awsim-state.json"
	fi

	echo "== control socket at rest (10 s)"
	"$PROBE" hammer --socket "$WORK/control.sock" --tenants "$N" --seconds 10 | sed 's/^/  /'

	# two resyncs: the first after a convergence also reads the tags of every place
	# whose parameters the daemon wrote since they were last read; the second is steady
	for pass in 1 2; do
		echo "== steady-state resync $pass"
		curl -sf -X DELETE "$A/calls" >/dev/null
		before=$(status_json | jq '.counters.reconciles')
		# a fixed span: the daemon is ready already, so --until-ready would stop at once
		"$PROBE" hammer --socket "$WORK/control.sock" --tenants "$N" --seconds 15 --interval "$INTERVAL" \
			--out "$WORK/resync.txt" >/dev/null &
		HAMMER_PID=$!
		t0=$EPOCHREALTIME
		ctl resync >/dev/null
		want=$((before + N))
		deadline=$((SECONDS + 3600))
		until status_json | jq -e --argjson w "$want" '.counters.reconciles >= $w and .queue.depth == 0 and
			.queue.reconciles_in_flight == 0' >/dev/null 2>&1; do
			[ $SECONDS -lt $deadline ] || fail "the resync did not end"
			sleep 0.1
		done
		t1=$EPOCHREALTIME
		took=$(fsub "$t1" "$t0")
		stop_hammer
		wait_quiet 600
		read -r pages_places pages_list pages_tags pages_params pages_budgets < <(expected_pages)
		echo "resync -> listed and every tenant compared again: $took s (0.1 s polling)"
		echo "control socket during the resync (ms): GET /v1/status $(latencies status "$WORK/resync.txt" "$t0");" \
			"GET /v1/tenants/{id} $(latencies tenant "$WORK/resync.txt" "$t0")"
		[ $TURNS = 0 ] || echo "loop turns during the resync: $(turns_between "$t0" "$t1")"
		curl -sf "$A/calls" | jq -r --argjson l "$pages_list" --argjson g "$pages_tags" --argjson s "$pages_params" \
			--argjson d "$pages_budgets" --argjson n "$N" '
			def n(op): (.[op].ok // 0) + (.[op].throttled // 0) + (.[op].failed // 0) + (.[op].dropped // 0);
			([to_entries[] | select(.value.mutating | not) | .value.ok + .value.throttled + .value.failed + .value.dropped] | add // 0) as $r |
			"reads: \($r), \($r / $n * 1000 | round / 1000) a tenant",
			"ListInferenceProfiles: \(n("bedrock:ListInferenceProfiles")) (paging minimum \($l))",
			"GetResources: \(n("tagging:GetResources")) (paging minimum with every tag read \($g))",
			"DescribeParameters: \(n("ssm:DescribeParameters")) (paging minimum \($s))",
			"DescribeBudgets: \(n("budgets:DescribeBudgets")) (paging minimum \($d))",
			"other calls: \([to_entries[] | select(.key | test("ListInferenceProfiles|GetResources|DescribeParameters|DescribeBudgets$") | not) | "\(.key)=\(.value.ok + .value.throttled + .value.failed + .value.dropped)"] | join(" ") | if . == "" then "none" else . end)",
			"mutating calls: \([to_entries[] | select(.value.mutating) | "\(.key)=\(.value.ok)"] | join(" ") | if . == "" then "none" else . end)"'
		echo "places (account, Region): $pages_places"
	done
	sleep 11 # the old stores are freed and trimmed (at most one malloc_trim every 10 s)
	read -r r_hwm r_rss < <(memory)
	echo "memory after the resync: VmHWM $r_hwm MB, VmRSS $r_rss MB"

	echo "== manifest edits: rename -> first mutating call ($EDITS edits)"
	: >"$WORK/edits.txt"
	for j in $(seq "$EDITS"); do
		i=$(((j * 7919 + 13) % N))
		id=$(printf 'tenant-%06d' "$i")
		f=$WORK/gen/tenants/group-$(printf '%03d' $((i / 1000)))/$id.yaml
		tmp=${f%/*}/.$id.yaml.tmp
		sed "s/^    Project: .*/    Project: edit-$j-$EPOCHSECONDS/" "$f" >"$tmp"
		off=$(stat -c %s "$WORK/awsim.log")
		k_apply=$(($(count_log 'manifests \(change\)') + 1))
		t0=$("$PROBE" rename "$tmp" "$f")
		deadline=$((SECONDS + 120))
		while :; do
			got=$(tail -c +$((off + 1)) "$WORK/awsim.log" | grep -m1 -E "$MUTATING_RE" || true)
			[ -z "$got" ] || break
			[ $SECONDS -lt $deadline ] || fail "edit of $id: no mutating call after 120 s"
			sleep 0.02
		done
		t1=${got%% *}
		line=$(wait_log 'manifests \(change\)' "$k_apply" 120)
		echo "$(fsub "$t1" "$t0") $(fsub "$(log_epoch "$line")" "$t0") $id ${got#* awsim: }" >>"$WORK/edits.txt"
		deadline=$((SECONDS + 120))
		until ctl --json tenant "$id" 2>/dev/null | jq -e '.state == "Ready" and .revision == .reconciled_revision' >/dev/null; do
			[ $SECONDS -lt $deadline ] || fail "edit of $id: not Ready again after 120 s"
			sleep 0.05
		done
		sleep 0.2
	done
	echo "rename -> first mutating call (ms): $(awk '{ print $1 * 1000 }' "$WORK/edits.txt" | quantiles)"
	echo "rename -> change applied to the engine (ms, daemon log): $(awk '{ print $2 * 1000 }' "$WORK/edits.txt" | quantiles)"
	echo "first calls: $(awk '{ print $5 }' "$WORK/edits.txt" | sort | uniq -c | awk '{ printf "%s x%d ", $2, $1 }')"

	echo "== warm restarts ($RESTARTS)"
	: >"$WORK/restarts.txt"
	for r0 in $(seq "$RESTARTS"); do
		k_scan=$(($(count_log 'manifests \(full scan\)') + 1))
		k_ready=$(($(count_log 'first full sync done') + 1))
		stop_daemon
		curl -sf -X DELETE "$A/calls" >/dev/null
		start_daemon
		start_hammer "$WORK/restart-$r0.txt"
		line=$(wait_log 'manifests \(full scan\)' "$k_scan" 600)
		t_scan=$(log_epoch "$line")
		wait_ready_with_progress "$k_ready" 86400
		line=$(wait_log 'first full sync done' "$k_ready" 10)
		t_ready=$(log_epoch "$line")
		stop_hammer
		wait_quiet 3600
		echo "$(fsub "$t_scan" "$LAUNCH") $(fsub "$t_ready" "$LAUNCH") $(memory) $(mutating_calls)" >>"$WORK/restarts.txt"
		tail -n 1 "$WORK/restarts.txt" | awk -v r="$r0" '{ printf "  restart %d: launch -> scan applied %.3f s, -> ready %.3f s;" \
			" VmHWM %d MB, VmRSS %d MB; mutating calls: %s\n", r, $1, $2, $3, $4, $5 }'
		echo "    control socket from the scan until ready (ms): GET /v1/status $(latencies status "$WORK/restart-$r0.txt" "$t_scan");" \
			"GET /v1/tenants/{id} $(latencies tenant "$WORK/restart-$r0.txt" "$t_scan")"
		[ $TURNS = 0 ] || echo "    loop turns from launch until ready: $(turns_between "$LAUNCH" "$t_ready")"
	done
	echo
	echo "== summary: $N tenants, $(grep -c '^  acct-' "$WORK/gen/accounts.yaml") account(s)"
	echo "startup, cold (empty state): launch -> scan applied $cold_scan s"
	echo "startup, warm (median of $RESTARTS): launch -> scan applied $(awk '{ print $1 }' "$WORK/restarts.txt" | median) s," \
		"-> ready $(awk '{ print $2 }' "$WORK/restarts.txt" | median) s"
	echo "memory once quiet: after converging VmHWM $hwm MB, VmRSS $rss MB; after a warm restart (median)" \
		"VmHWM $(awk '{ print $3 }' "$WORK/restarts.txt" | median) MB, VmRSS $(awk '{ print $4 }' "$WORK/restarts.txt" | median) MB"
	echo "convergence from nothing: $converge s"
	echo "edit -> first mutating call (ms): $(awk '{ print $1 * 1000 }' "$WORK/edits.txt" | quantiles)"
	echo "edit -> applied to the engine (ms): $(awk '{ print $2 * 1000 }' "$WORK/edits.txt" | quantiles)"
	echo "control socket while converging (ms): GET /v1/status $ctl_status; GET /v1/tenants/{id} $ctl_tenant"
	if [ $KEEP = 1 ]; then # the edits are in the manifests now: awsim's state with them, for --from
		wait_quiet 600
		curl -sf -X POST "$A/save" >/dev/null
	fi
	stop_daemon
}

# ---- the first seconds of a cold convergence (--window) ----

# settle_ms: the watch's settle in ms (--settle as the configuration takes it, else
# the daemon's 200 ms).
settle_ms() {
	case $SETTLE in
	'') echo 200 ;;
	*ms) echo "${SETTLE%ms}" ;;
	*s) awk -v s="${SETTLE%s}" 'BEGIN { print s * 1000 }' ;;
	*) echo "$SETTLE" ;;
	esac
}

# ready_tenant EXCLUDE_FILE: a tenant that had AWS calls lately and is Ready at its
# revision now, not in EXCLUDE_FILE; fails when none is found.
ready_tenant() {
	local id
	for id in $(tail -c 400000 "$WORK/daemon.log" | grep -o 'tenant=tenant-[0-9]*' | sed 's/tenant=//' | sort -u |
		shuf -n 40 --random-source=<(yes)); do
		! grep -qx "$id" "$1" || continue
		ctl --json tenant "$id" 2>/dev/null |
			jq -e '.state == "Ready" and .revision == .reconciled_revision' >/dev/null || continue
		echo "$id"
		return 0
	done
	return 1
}

# wait_after OFFSET REGEX SECONDS: the first line of the daemon's log past byte OFFSET
# matching REGEX (empty when none came in time).
wait_after() {
	local deadline=$((SECONDS + $3)) got
	while :; do
		got=$(tail -c +$(($1 + 1)) "$WORK/daemon.log" | grep -m1 -E "$2" || true)
		[ -z "$got" ] || { echo "$got"; return 0; }
		[ $SECONDS -lt $deadline ] || return 0
		sleep 0.02
	done
}

# run_window T_SCAN: the control socket and edits over the first WINDOW seconds after
# the scan was applied, then a summary; the daemon is stopped.
run_window() {
	local t_scan=$1 end j=0 id i f tmp off t0 first applied settle samples=$WORK/hammer.txt
	settle=$(settle_ms)
	"$PROBE" hammer --socket "$WORK/control.sock" --tenants "$N" --seconds "$WINDOW" \
		--interval "$INTERVAL" --out "$samples" >/dev/null &
	HAMMER_PID=$!
	end=$((SECONDS + WINDOW))
	: >"$WORK/window_edits.txt"
	: >"$WORK/window_ids.txt"
	echo "== the first $WINDOW s of the cold convergence: the control socket, and an edit every 2 s"
	while [ $((SECONDS + 4)) -lt $end ]; do
		if ! id=$(ready_tenant "$WORK/window_ids.txt"); then
			sleep 1
			continue
		fi
		j=$((j + 1))
		echo "$id" >>"$WORK/window_ids.txt"
		i=$((10#${id#tenant-}))
		f=$WORK/gen/tenants/group-$(printf '%03d' $((i / 1000)))/$id.yaml
		tmp=${f%/*}/.$id.yaml.tmp
		sed "s/^    Project: .*/    Project: window-edit-$j/" "$f" >"$tmp"
		off=$(stat -c %s "$WORK/daemon.log")
		t0=$("$PROBE" rename "$tmp" "$f")
		applied=$(wait_after "$off" ' manifests \(change\)' 30)
		first=$(wait_after "$off" " tenant=$id request-id=" 30)
		if [ -n "$first" ] && [ -n "$applied" ]; then
			echo "$(fsub "$(log_epoch "$first")" "$t0") $(fsub "$(log_epoch "$applied")" "$t0") $id" \
				>>"$WORK/window_edits.txt"
		else
			echo "  edit of $id: no first call within 30 s"
		fi
		sleep 2
	done
	stop_hammer
	echo "tenants by state at the end of the window: $(by_state)"
	echo "== summary: the first $WINDOW s of the cold convergence of $N tenants," \
		"$(grep -c '^  acct-' "$WORK/gen/accounts.yaml") account(s) x $P_REGIONS Region(s)"
	echo "control socket over the window (ms; interval $INTERVAL ms):" \
		"GET /v1/status $(latencies status "$samples" "$t_scan"); GET /v1/tenants/{id} $(latencies tenant "$samples" "$t_scan")"
	echo "edit -> first call (ms, the tenant's first mutation answered, daemon log), watch.settle $settle ms included:" \
		"$(awk '{ print $1 * 1000 }' "$WORK/window_edits.txt" | quantiles)"
	echo "edit -> first call less the settle (ms, what the daemon adds):" \
		"$(awk -v s="$settle" '{ print $1 * 1000 - s }' "$WORK/window_edits.txt" | quantiles)"
	echo "edit -> applied to the engine (ms), settle included: $(awk '{ print $2 * 1000 }' "$WORK/window_edits.txt" | quantiles);" \
		"less the settle: $(awk -v s="$settle" '{ print $2 * 1000 - s }' "$WORK/window_edits.txt" | quantiles)"
	stop_daemon
}

# ---- edits: the edit path alone ----

# loop_cpu: the CPU time of the daemon's main thread (its loop), ns.
loop_cpu() { awk '{ print $1 }' "/proc/$DAEMON_PID/schedstat"; }

run_edits() {
	local j i id f tmp off t0 line c0 c1 c2 c3 w0 span settle
	settle=$(settle_ms)
	generate
	# an endpoint that accepts connections and never answers
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4096)
print(s.getsockname()[1], flush=True); time.sleep(86400)' >"$WORK/dead.out" &
	AWSIM_PID=$!
	for _ in $(seq 100); do
		[ -s "$WORK/dead.out" ] && break
		sleep 0.05
	done
	PORT=$(cat "$WORK/dead.out")
	[ -n "$PORT" ] || fail "the silent endpoint did not start"
	write_config "$(unlimited)"
	start_daemon
	line=$(wait_log 'manifests \(full scan\)' 1 600)
	sleep 5
	echo "== $EDITS edits, 1.5 s apart"
	: >"$WORK/edits.txt"
	w0=$EPOCHREALTIME
	c0=$(loop_cpu)
	for j in $(seq "$EDITS"); do
		i=$(((j * 7919 + 13) % N))
		id=$(printf 'tenant-%06d' "$i")
		f=$WORK/gen/tenants/group-$(printf '%03d' $((i / 1000)))/$id.yaml
		tmp=${f%/*}/.$id.yaml.tmp
		sed "s/^    Project: .*/    Project: edit-$j/" "$f" >"$tmp"
		off=$(stat -c %s "$WORK/daemon.log")
		t0=$("$PROBE" rename "$tmp" "$f")
		line=$(wait_after "$off" ' manifests \(change\)' 30)
		[ -n "$line" ] || fail "edit of $id: not applied after 30 s"
		echo "$(fsub "$(log_epoch "$line")" "$t0")" >>"$WORK/edits.txt"
		sleep "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { d = a + 1.5 - b; print (d > 0 ? d : 0) }')"
	done
	c1=$(loop_cpu)
	span=$(fsub "$EPOCHREALTIME" "$w0")
	c2=$(loop_cpu)
	sleep "$span"
	c3=$(loop_cpu)
	echo "== summary: the edit path alone, $N tenants, $(grep -c '^  acct-' "$WORK/gen/accounts.yaml") account(s) x $P_REGIONS Region(s)"
	echo "rename -> change applied to the engine (ms, daemon log), watch.settle $settle ms included:" \
		"$(awk '{ print $1 * 1000 }' "$WORK/edits.txt" | quantiles); less the settle:" \
		"$(awk -v s="$settle" '{ print $1 * 1000 - s }' "$WORK/edits.txt" | quantiles)"
	awk -v e="$((c1 - c0))" -v i="$((c3 - c2))" -v k="$EDITS" -v s="$span" 'BEGIN {
		printf "CPU of the loop thread: %.1f ms over the %d edits (%.1f s), %.1f ms idle as long: %.2f ms an edit\n",
			e / 1e6, k, s, i / 1e6, (e - i) / 1e6 / k }'
	stop_daemon
}

# ---- startup ----

run_startup() {
	local r0 line
	generate
	start_awsim
	write_config "$(unlimited)"
	: >"$WORK/startup.txt"
	for r0 in $(seq 0 "$RESTARTS"); do
		start_daemon
		line=$(wait_log 'manifests \(full scan\)' $((r0 + 1)) 600)
		echo "$(fsub "$(log_epoch "$line")" "$LAUNCH") $(memory)" >>"$WORK/startup.txt"
		tail -n 1 "$WORK/startup.txt" | awk -v r="$r0" '{ printf "  %s: launch -> scan applied %.3f s; VmHWM %d MB, VmRSS %d MB\n",
			r ? "warm " r : "cold", $1, $2, $3 }'
		stop_daemon
	done
	echo "== summary: $N tenants, $(grep -c '^  acct-' "$WORK/gen/accounts.yaml") account(s)"
	echo "launch -> first full scan applied: cold $(head -n 1 "$WORK/startup.txt" | awk '{ print $1 }') s," \
		"warm (median of $RESTARTS) $(tail -n +2 "$WORK/startup.txt" | awk '{ print $1 }' | median) s"
}

# ---- throttled ----

# sample_calls: every second, "TIME CREATES_OK PUTS_OK" from awsim's counters.
sample_calls() {
	while :; do
		echo "$EPOCHREALTIME $(curl -sf "$A/calls" | jq -r '[.["bedrock:CreateInferenceProfile"].ok // 0,
			.["ssm:PutParameter"].ok // 0] | @tsv') $(status_json |
			jq -r '[.aws.queued // 0, .aws.in_flight // 0, .aws.retry_quota // 0] | @tsv' 2>/dev/null)"
		sleep 1
	done
}

# place_profiles: "PLACES MOST TOTAL" from the generator's layout (tenant i: account
# i % K, Region (i / K) % R, 1 + i % 3 profiles with a parameter each): the number of
# places, the most profiles (so creates, and puts) one place needs, and all of them.
place_profiles() {
	local k
	k=$(grep -c '^  acct-' "$WORK/gen/accounts.yaml")
	awk -v n="$N" -v k="$k" -v r="$P_REGIONS" 'BEGIN {
		for (i = 0; i < n; i++) { p[i % k, int(i / k) % r] += 1 + i % 3; t += 1 + i % 3 }
		for (a = 0; a < k; a++) for (y = 0; y < r; y++) if (p[a, y] > m) m = p[a, y]
		print k * r, m, t }'
}

run_throttled() {
	local run line t_scan t_ready took bound creates puts thr profiles most places limits burst
	HANG_LIMIT=60
	generate
	read -r places most profiles < <(place_profiles)
	burst=$(awk -v r="$RATE" 'BEGIN { print (r < 1 ? 1 : int(r)) }')
	# AWS's rates are per account and Region: a bucket per place (awsim's `per`)
	cat >"$WORK/faults.json" <<JSON
{"rules": [
  {"service": "bedrock", "operation": "CreateInferenceProfile", "rate": $RATE, "burst": $burst, "per": "account-region"},
  {"service": "ssm", "operation": "PutParameter", "rate": $RATE, "burst": $burst, "per": "account-region"}
]}
JSON
	case $LIMITS in
	service) limits=$(awk -v r="$RATE" -v f="$OVER" -v b="$burst" 'BEGIN {
		printf "  bedrock: {requests_per_second: %g, burst: %d}\n", 2 * r * f, b
		printf "  ssm: {requests_per_second: %g, burst: %d}\n", r * f, b }') ;;
	operation) limits=$(awk -v r="$RATE" -v f="$OVER" -v b="$burst" 'BEGIN {
		printf "  bedrock:\n    requests_per_second: 100\n    burst: 100\n    operations:\n"
		printf "      CreateInferenceProfile: {requests_per_second: %g, burst: %d}\n", r * f, b
		printf "  ssm:\n    requests_per_second: 100\n    burst: 100\n    operations:\n"
		printf "      PutParameter: {requests_per_second: %g, burst: %d}\n", r * f, b }') ;;
	*) echo "--limits: operation or service, not $LIMITS" >&2; exit 2 ;;
	esac
	limits+=$'\n'$(awk 'BEGIN { for (i = split("tagging sts budgets iam", s, " "); i > 0; i--)
		printf "  %s: {requests_per_second: 10000, burst: 10000}\n", s[i] }')
	# the slowest place: its creates (and as many puts) at RATE after the burst
	bound=$(awk -v m="$most" -v r="$RATE" -v b="$burst" 'BEGIN { printf "%.2f", (m > b ? m - b : 0) / r }')
	echo "awsim: CreateInferenceProfile and PutParameter at $RATE/s each in each of $places place(s) (burst $burst);" \
		"daemon ($LIMITS limits): $(echo "$limits" | grep -E 'bedrock|ssm|Create|Put' | tr -s ' \n' ' ')" \
		"a place; $profiles profiles, at most $most in one place: bound $bound s"
	: >"$WORK/throttled.txt"
	for run in $(seq "$RUNS"); do
		rm -rf "$WORK/state"
		: >"$WORK/daemon.log"
		start_awsim --faults "$WORK/faults.json"
		write_config "$limits"
		start_daemon
		line=$(wait_log 'manifests \(full scan\)' 1 600)
		t_scan=$(log_epoch "$line")
		sample_calls >"$WORK/rate.txt" &
		SAMPLER_PID=$!
		wait_ready_with_progress 1 "$(awk -v b="$bound" 'BEGIN { printf "%d", 3 * b + 120 }')"
		line=$(wait_log 'first full sync done' 1 10)
		t_ready=$(log_epoch "$line")
		kill "$SAMPLER_PID" 2>/dev/null || true
		wait "$SAMPLER_PID" 2>/dev/null || true
		SAMPLER_PID=
		echo "$EPOCHREALTIME $(curl -sf "$A/calls" | jq -r '[.["bedrock:CreateInferenceProfile"].ok // 0,
			.["ssm:PutParameter"].ok // 0] | @tsv')" >>"$WORK/rate.txt"
		took=$(fsub "$t_ready" "$t_scan")
		read -r creates puts thr < <(curl -sf "$A/calls" | jq -r '[.["bedrock:CreateInferenceProfile"].ok // 0,
			.["ssm:PutParameter"].ok // 0, ([.[] | .throttled] | add // 0)] | @tsv')
		[ "$creates" -eq "$profiles" ] && [ "$puts" -eq "$profiles" ] ||
			echo "  run $run: $creates creates and $puts puts answered, $profiles of each expected"
		echo "$took $bound $creates $puts $thr $(by_state)" | tee -a "$WORK/throttled.txt" |
			awk '{ printf "  run '"$run"': %.2f s (bound %.2f s, %+.1f %%), creates %d, puts %d, throttled answers %d, %s\n",
				$1, $2, ($1 / $2 - 1) * 100, $3, $4, $5, $6 }'
		echo "    throttled by operation: $(curl -sf "$A/calls" | jq -r '[to_entries[] | select(.value.throttled > 0) |
			"\(.key)=\(.value.throttled)"] | join(" ") | if . == "" then "none" else . end')"
		# when the last create and the last put were answered, from 1 s samples
		awk -v a="$t_scan" -v c="$creates" -v p="$puts" '!tc && $2 >= c { tc = $1 - a } !tp && $3 >= p { tp = $1 - a }
			END { printf "    all creates answered by %.1f s, all puts by %.1f s after the scan (1 s samples)\n", tc, tp }' \
			"$WORK/rate.txt"
		# the daemon's HTTP queue (requests that took their rate token and wait for a
		# connection) and its retry quota, from the same samples
		awk 'NF >= 6 { n++; q += $4; if ($4 > mq) mq = $4; if (!mr || $6 < mr) mr = $6 }
			END { if (n) printf "    daemon: HTTP queue mean %.1f, max %d; retry quota at least %d\n", q / n, mq, mr }' \
			"$WORK/rate.txt"
		stop_daemon
		stop_awsim
	done
	echo "== summary: $N tenants over $places place(s), rate $RATE/s a place, daemon at $OVER x the matched rate_limits"
	awk '{ print $1 }' "$WORK/throttled.txt" | median | awk -v b="$bound" \
		'{ printf "median convergence %.2f s, bound %.2f s: %+.1f %%\n", $1, b, ($1 / b - 1) * 100 }'
}

case $MODE in
scale) run_scale ;;
startup) run_startup ;;
throttled) run_throttled ;;
edits) run_edits ;;
esac
