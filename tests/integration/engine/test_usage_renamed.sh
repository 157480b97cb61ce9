#!/usr/bin/env bash
# A usage place's cursor is named by the log location (account id, Region, bucket and
# prefix), not by how the configuration writes the account: the place changed from the
# daemon's own account to an alias of the same id (`account: self`) reads on where it
# was, across a restart, rather than reading the bucket again and counting everything
# twice. The cursor here is stored as an earlier version named it (by the alias,
# "default/us-east-1 s3://..."): it is taken over, so an upgrade reads nothing again.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

usage_total() { ctl --json usage --since 1d | jq -r .total.requests; }
place() { ctl --json status | jq -r ".usage[0].$1"; }
new_object() { [ "$(last_log_key)" != "$1" ]; }

start_usage_acme
converse "$ARN"
converse "$ARN"
wait_eq 60 "acme's 2 requests counted" 2 acme_requests
stop_daemon

# the cursor as an earlier version stored it
python3 - "$WORK/state/usage.db" <<'PY' || fail "could not rename the cursor"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT place FROM cursors").fetchall()
assert len(rows) == 1 and rows[0][0].endswith(
    "/us-east-1 s3://usage-logs/bedrock/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/"), rows
db.execute("UPDATE cursors SET place = 'default' || substr(place, instr(place, '/'))")
db.commit()
PY
# the same account, now written as an alias
python3 - "$WORK/config.yaml" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("accounts:\n", "accounts:\n  self:\n    id: \"111122223333\"\n    role_arn: arn:aws:iam::111122223333:role/bedrock-tenantd\n", 1)
s = s.replace("    - region: us-east-1\n      bucket: usage-logs", "    - account: self\n      region: us-east-1\n      bucket: usage-logs", 1)
open(p, "w").write(s)
PY
grep -q "account: self" "$WORK/config.yaml" || fail "the place was not renamed"
create_role bedrock-tenantd
start_daemon
wait_until 60 "acme Ready" all_ready
before=$(last_log_key)
converse "$ARN"
wait_until 60 "a log object for the third request" new_object "$before"
last=$(last_log_key)
wait_eq 60 "the place read up to the last object" "$last" place cursor
[ "$(place account)" = self ] || fail "the place is not self's: $(place account)"
[ "$(place objects_read)" = 1 ] || fail "the place read $(place objects_read) objects after the restart, want 1"
[ "$(acme_requests)" = 3 ] || fail "acme: $(acme_requests) requests counted, 3 made"
[ "$(usage_total)" = 3 ] || fail "$(usage_total) requests counted in all, 3 made"
rows=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT group_concat(place) FROM cursors').fetchone()[0])" "$WORK/state/usage.db")
case "$rows" in
"111122223333/us-east-1 s3://usage-logs/bedrock/"*) ;;
*) fail "the cursors: $rows" ;;
esac
stop_daemon
echo PASS
