#!/usr/bin/env bash
# IAM's 10,240 characters are over every inline policy of a role: a shared role that
# another policy nearly fills takes the first tenant's policy, refuses the next one's
# with the sizes (that tenant Stalled), and the other tenant and the foreign policy
# are untouched.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
create_role shared
write_budget_tenant beta 100 "" "[shared]"
start_daemon
wait_until 60 "beta Ready" all_ready
[ -n "$(role_policy shared bedrock-tenantd-beta)" ] || fail "beta has no policy"

# a foreign policy fills the role up to ~640 characters below the limit
chars() { tr -d ' \n\t' | wc -c; }
used=$(role_policy shared bedrock-tenantd-beta | chars)
doc='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":['
i=0 sep=
while [ $((${#doc} + used)) -lt 9600 ]; do
	doc+="$sep\"arn:aws:s3:::bucket-of-team-$(printf %04d $i)/*\""
	i=$((i + 1)) sep=,
done
doc+=']}]}'
curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data "Action=PutRolePolicy&Version=2010-05-08&RoleName=shared&PolicyName=other-team" \
	--data-urlencode "PolicyDocument=$doc" "http://127.0.0.1:$PORT/" >/dev/null || fail "foreign policy not written"
foreign=$(role_policy shared other-team)

# a third tenant on the role: its policy (two profiles) would overflow the role
write_budget_tenant acme 100 "" "[shared]"
sed -i 's/^  budget:/    - name: p2\n      model: amazon.nova-lite-v1:0\n  budget:/' "$WORK/tenants/acme.yaml"
wait_until 60 "acme Stalled" state_is acme Stalled
tenant_json acme | jq -e '.last_error | test("role shared") and test("other inline policies") and
	test("over IAM.s limit of 10240")' >/dev/null || fail "unclear reason: $(tenant_json acme | jq -r .last_error)"
[ -z "$(role_policy shared bedrock-tenantd-acme)" ] || fail "acme's policy was written"
[ "$(role_policy shared other-team)" = "$foreign" ] || fail "the foreign policy changed"
state_is beta Ready || fail "beta is $(tenant_state beta)"
[ -n "$(role_policy shared bedrock-tenantd-beta)" ] || fail "beta lost its policy"
# no write was refused by IAM: the daemon knew before the call
[ "$(awsim_get calls | jq -r '.["iam:PutRolePolicy"].failed // 0')" = 0 ] || fail "a PutRolePolicy was refused by IAM"
stop_daemon
echo PASS
