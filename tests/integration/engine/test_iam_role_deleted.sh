#!/usr/bin/env bash
# An IAM role deleted by hand (its inline policy first, as IAM requires) while the
# tenant is Ready. The tenant's role_policies used to say the policy was applied and
# the role existed (the record's fact, a read that never came) while the bulk read
# showed neither. Now: after the resync the tenant is not Ready, role_policies says
# applied false and role_exists false; the role made again, the policy is put back
# and both are true.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
create_role app
write_role_tenant ta app
start_daemon
wait_until 60 "Ready" all_ready
role_policy_is() { tenant_json ta | jq -e --argjson a "$1" --argjson r "$2" '.observed.role_policies == [{"role": "app", "policy": "bedrock-tenantd-ta", "applied": $a, "role_exists": $r}]' >/dev/null; }
role_policy_is true true || fail "role_policies once Ready: $(tenant_json ta | jq -c .observed.role_policies)"

iam() {
	curl -sf --max-time 30 --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'Content-Type: application/x-www-form-urlencoded' --data "$1" "http://127.0.0.1:$PORT/" >/dev/null
}
iam "Action=DeleteRolePolicy&Version=2010-05-08&RoleName=app&PolicyName=bedrock-tenantd-ta" || fail "DeleteRolePolicy"
iam "Action=DeleteRole&Version=2010-05-08&RoleName=app" || fail "DeleteRole"
ctl resync >/dev/null
not_ready() { ! state_is ta Ready; }
wait_until 30 "ta not Ready once its role is gone" not_ready
wait_until 30 "role_policies: not applied, no role" role_policy_is false false
# status reports the problem (exit 1) while the tenant is in Error; between two of
# its retries the tenant is Reconciling a moment, which status does not count
status_fails() {
	local rc=0
	ctl status >/dev/null || rc=$?
	[ "$rc" = 1 ]
}
wait_until 30 "status exits 1 with a tenant in Error" status_fails

create_role app
ctl resync >/dev/null
wait_until 60 "Ready once the role is back" all_ready
[ -n "$(role_policy app bedrock-tenantd-ta)" ] || fail "the policy was not put back"
role_policy_is true true || fail "role_policies once the role is back: $(tenant_json ta | jq -c .observed.role_policies)"
stop_daemon
echo "ok: a role deleted by hand is reported as gone, its policy put back once it is made again"
