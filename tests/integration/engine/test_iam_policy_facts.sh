#!/usr/bin/env bash
# The policy facts across a start: the state store notes each role policy's digest
# with the key of the profiles its document was written from ("DIGEST k1:KEY"), so
# that a start's first pass need not write every document again. A fact of an older
# store (the digest alone) is given the key on the first pass after a start, without
# writing the policy; a start with the key changes nothing.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
create_role acme-app acme-batch
write_budget_tenant acme 100 "" "[acme-app, acme-batch]"
start_daemon
wait_until 60 "Ready" all_ready
stop_daemon

DB="$WORK/state/state.db"
facts() { sqlite3 "$DB" "SELECT replace(key, char(10), '/') || '=' || value FROM facts WHERE tenant = 'acme' AND key LIKE 'policy%' ORDER BY key"; }
keyed='^policy.*=[0-9a-f]{32} k1:[0-9a-f]{32}$'
before=$(facts)
[ "$(echo "$before" | grep -cE "$keyed")" = 2 ] || fail "the policy facts do not hold the key: $before"

# an older store's facts: the digest alone; the first pass gives them the key back
sqlite3 "$DB" "UPDATE facts SET value = substr(value, 1, 32) WHERE tenant = 'acme' AND key LIKE 'policy%'"
[ "$(facts | grep -cE "$keyed")" = 0 ] || fail "the facts were not made unkeyed"
awsim_put calls/reset
start_daemon
wait_until 60 "Ready" all_ready
# the store is written on the loop's turns: a fact set is in the store once the
# daemon has stopped
stop_daemon
[ "$(facts)" = "$before" ] || fail "the facts were not given their key again: $(facts), were $before"
[ "$(calls iam:PutRolePolicy)" = 0 ] || fail "a fact without its key made the policy be written"

# a start with the keys: nothing written, the facts unchanged
awsim_put calls/reset
start_daemon
wait_until 60 "Ready" all_ready
sleep 1
stop_daemon
[ "$(facts)" = "$before" ] || fail "the facts changed over a start: $(facts), were $before"
[ "$(calls iam:PutRolePolicy)" = 0 ] || fail "a start wrote a policy"
echo PASS
