#!/usr/bin/env bash
# A Region move switched (the new set Ready), then the new place's profile deleted by
# hand and its making again refused (the new place's quota is full): the old place's
# set, kept meanwhile, serves there, and resolve names it with the old Region rather
# than "does not exist yet". With room again the new profile is made, resolve names it
# with the new Region, and the old set drains and goes.
. "$(dirname "$0")/lib.sh"
start_awsim
DRAIN=3s write_config
create_role app
write_acme_moving us-east-1
start_daemon
wait_until 60 "acme Ready" state_is acme Ready
old=$(ctl resolve acme p1)
write_acme_moving us-west-2
in_west() { ctl resolve acme p1 -o json 2>/dev/null | jq -e '.region == "us-west-2"' >/dev/null; }
wait_until 60 "acme switched to us-west-2" in_west
new=$(ctl resolve acme p1)
[ "$new" != "$old" ] || fail "resolve still names the old profile"

quota_west() { awsim_put quotas "{\"account\": \"111122223333\", \"region\": \"us-west-2\", \"quotas\": {\"L-40EC9882\": $1}}"; }
quota_west 0
curl -sf --max-time 30 --aws-sigv4 "aws:amz:us-west-2:bedrock" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-X DELETE "http://127.0.0.1:$PORT/inference-profiles/${new##*/}" >/dev/null
[ "$(awsim_profile_live "$new")" = false ] || fail "the new profile was not deleted"
ctl resync >/dev/null
waits() { [ "$(tenant_json acme | jq -r '.waiting // empty')" != "" ]; }
wait_until 60 "acme waiting for room in us-west-2" waits
sleep 4 # past the drain
[ "$(awsim_profile_live "$old")" = true ] || fail "the old profile was deleted while nothing serves in the new place"
answer=$(ctl resolve acme p1 -o json) || fail "resolve: $(ctl resolve acme p1 2>&1)"
[ "$(jq -r .arn <<<"$answer")" = "$old" ] || fail "resolve names $(jq -r .arn <<<"$answer"), the old place serves $old"
[ "$(jq -r .region <<<"$answer")" = us-east-1 ] || fail "resolve's Region: $(jq -r .region <<<"$answer")"

quota_west 5
ctl resync >/dev/null
made_again() { a=$(ctl resolve acme p1 -o json 2>/dev/null) && [ "$(jq -r .region <<<"$a")" = us-west-2 ] &&
	[ "$(awsim_profile_live "$(jq -r .arn <<<"$a")")" = true ]; }
wait_until 60 "resolve naming a profile made again in us-west-2" made_again
old_gone() { [ "$(awsim_profile_live "$old")" = false ]; }
wait_until 60 "the old set drained and deleted" old_gone
wait_until 30 "acme Ready" state_is acme Ready
stop_daemon
echo PASS
