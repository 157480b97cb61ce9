#!/usr/bin/env bash
# Notifications: a webhook (with its secret header) and an SNS topic in awsim are
# told when a tenant stalls, drift is repaired and deletions are held; status counts
# what was sent; a webhook that stops answering is counted and logged, and
# reconciling goes on.
. "$(dirname "$0")/lib.sh"
start_awsim

# ---- a webhook receiver: one JSON line per request, with the secret header ----
cat >"$WORK/receiver.py" <<'PY'
import http.server, json, sys
out, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        doc = json.loads(body)
        doc["_secret"] = self.headers.get("X-Tenantd-Token")
        doc["_type"] = self.headers.get("Content-Type")
        with open(out, "a") as f:
            f.write(json.dumps(doc) + "\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_port))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
python3 "$WORK/receiver.py" "$WORK/hook.jsonl" "$WORK/hook.port" &
HOOK_PID=$!
# (the receiver is a job: lib.sh's cleanup kills it)
wait_until 10 "the webhook receiver" test -s "$WORK/hook.port"
HPORT=$(cat "$WORK/hook.port")
touch "$WORK/hook.jsonl"
printf 's3cret-token\n' >"$WORK/hook.secret"

TOPIC=arn:aws:sns:us-east-1:111122223333:tenantd-alerts
curl -sf --aws-sigv4 "aws:amz:us-east-1:sns" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	--data "Action=CreateTopic&Version=2010-03-31&Name=tenantd-alerts" "http://127.0.0.1:$PORT/" | grep -q "$TOPIC" ||
	fail "could not create the topic"

NOTIFY="notifications:
  webhook:
    url: http://127.0.0.1:$HPORT/hooks/tenantd
    header: X-Tenantd-Token
    secret_file: $WORK/hook.secret
  sns:
    topic_arn: $TOPIC"

# ---- a tenant that stalls: a profile of its name that someone else owns ----
for i in $(seq -w 1 12); do write_tenant "t$i" "" eng 1; done
write_tenant acme "" eng 1
write_config "mode: report
$NOTIFY"
start_daemon
acme_known() { tenant_json acme | jq -e '.desired.profiles[0].name'; }
wait_until 30 "acme known" acme_known
name=$(tenant_json acme | jq -r '.desired.profiles[0].name')
stop_daemon
sign_call bedrock POST /inference-profiles \
	"{\"inferenceProfileName\":\"$name\",\"modelSource\":{\"copyFrom\":\"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0\"},\"tags\":[{\"key\":\"owner\",\"value\":\"someone-else\"}]}" >/dev/null ||
	fail "could not create the foreign profile"

write_config "$NOTIFY"
start_daemon
wait_until 60 "acme Stalled" state_is acme Stalled
# (jq -s: with one document per line, jq -e would judge by the last line alone)
hook_has() { jq -se --arg e "$1" --arg t "$2" 'any(.[]; .event == $e and (.tenant // "") == $t)' "$WORK/hook.jsonl" >/dev/null; }
sns_has() {
	awsim_get sns/messages | jq -e --arg e "$1" --arg t "$2" --arg topic "$TOPIC" \
		'map(select(.topic_arn == $topic) | .message | fromjson | select(.event == $e and (.tenant // "") == $t)) | length > 0' >/dev/null
}
wait_until 30 "the webhook told of acme stalling" hook_has tenant_stalled acme
wait_until 30 "SNS told of acme stalling" sns_has tenant_stalled acme
jq -se 'map(select(.event == "tenant_stalled")) | length > 0 and all(._secret == "s3cret-token" and
	._type == "application/json" and .source == "bedrock-tenantd" and .instance == "bedrock-tenantd" and
	(.message | test("tenant stalled: tenant acme")))' "$WORK/hook.jsonl" >/dev/null || fail "the webhook message is not as documented: $(cat "$WORK/hook.jsonl")"
awsim_get sns/messages | jq -e 'map(select(.subject == "bedrock-tenantd bedrock-tenantd: tenant_stalled acme")) | length > 0' >/dev/null ||
	fail "no SNS subject naming the event: $(awsim_get sns/messages)"

# ---- drift repaired ----
t01_ready() { state_is t01 Ready; }
wait_until 60 "t01 Ready" t01_ready
arn=$(ctl resolve t01 p1)
sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn"'","tags":[{"key":"CostCenter","value":"hacked"}]}' >/dev/null
ctl resync >/dev/null
wait_until 30 "the webhook told of the repair" hook_has drift_repaired t01
wait_until 30 "SNS told of the repair" sns_has drift_repaired t01
jq -se 'any(.[]; .event == "drift_repaired" and (.detail | test("tag CostCenter: hacked -> eng")))' "$WORK/hook.jsonl" >/dev/null ||
	fail "the repair's detail is missing: $(grep drift_repaired "$WORK/hook.jsonl")"

# ---- deletions held ----
for i in $(seq -w 2 12); do rm "$WORK/tenants/t$i.yaml"; done
wait_until 30 "the webhook told of held deletions" hook_has deletions_held ""
wait_until 30 "SNS told of held deletions" sns_has deletions_held ""
jq -se 'any(.[]; .event == "deletions_held" and (.message | test("11 more held until approved")))' "$WORK/hook.jsonl" >/dev/null ||
	fail "the held deletions are not counted: $(grep deletions_held "$WORK/hook.jsonl")"
sent() { status_json | jq -r ".notifications.$1.sent"; }
[ "$(sent webhook)" -ge 3 ] || fail "status counts $(sent webhook) webhook messages"
[ "$(sent sns)" -ge 3 ] || fail "status counts $(sent sns) SNS messages"
# the same counters in /metrics, by destination and event
metric() { curl -sf --unix-socket "$WORK/control.sock" http://localhost/metrics | awk -v k="$1" '$1 == k {print $2}'; }
for d in webhook sns; do
	for e in tenant_stalled drift_repaired deletions_held; do
		v=$(metric "bedrock_tenantd_notifications_sent_total{destination=\"$d\",event=\"$e\"}")
		[ "${v:-0}" -ge 1 ] || fail "/metrics counts ${v:-no} $e messages sent by $d"
	done
done
[ "$(metric 'bedrock_tenantd_notification_events_total{event="tenant_stalled"}')" -ge 1 ] ||
	fail "/metrics counts no stall event"
[ "$(metric 'bedrock_tenantd_notifications_failed_total{destination="webhook",event="drift_repaired"}')" = 0 ] ||
	fail "/metrics counts a failed repair message before the webhook stopped"

# ---- a webhook that stopped answering: counted, logged, nothing else held up ----
kill $HOOK_PID
wait $HOOK_PID 2>/dev/null || true
sign_call bedrock POST /tagResource '{"resourceARN":"'"$arn"'","tags":[{"key":"CostCenter","value":"again"}]}' >/dev/null
ctl resync >/dev/null
failed() { [ "$(status_json | jq -r '.notifications.webhook.failed')" -ge 1 ]; }
wait_until 30 "a failed webhook counted" failed
grep -q "notification by webhook failed" "$WORK/daemon.log" || fail "the failure is not logged"
[ "$(metric 'bedrock_tenantd_notifications_failed_total{destination="webhook",event="drift_repaired"}')" -ge 1 ] ||
	fail "/metrics does not count the failed repair message: $(metric 'bedrock_tenantd_notifications_failed_total{destination="webhook",event="drift_repaired"}')"
wait_until 30 "SNS told of the second repair" sh -c "[ \$(curl -sf http://127.0.0.1:$PORT/_awsim/sns/messages | jq '[.[] | .message | fromjson | select(.event == \"drift_repaired\")] | length') -ge 2 ]"
profile_tag() { awsim_get state | jq -r --arg a "$arn" "$PROFILES"' | map(select(.arn == $a)) | .[0].tag.CostCenter'; }
wait_eq 30 "the repair done all the same" eng profile_tag
stop_daemon
echo PASS
