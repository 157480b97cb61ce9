#!/usr/bin/env bash
# The bulk IAM read of an account whose roles hold large inline policies: a page of
# 1,000 roles with 9.6 KB policies is about 12 MB, over the AWS client's 8 MiB bound for
# an answer. The page is asked again with 100 roles, not retried as it was, and the
# next resync starts at 100. So the read stands, and a tenant's role policy edited by
# hand is seen and set back at the next resync (before, the read failed without a word
# and policies were read one by one: an edit was seen only when the document changed).
# Once the large policies are gone, the account's reads go back to pages of 1,000.
. "$(dirname "$0")/lib.sh"

# awsim's state: 1,000 roles with a 9.6 KB inline policy each, and the tenant's role
python3 - "$WORK/awsim-state.json" <<'PY'
import json, sys
doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": ["arn:aws:s3:::bucket-%03d/%s" % (i, "k" * 60) for i in range(110)]}]}, separators=(",", ":"))
trust = json.dumps({"Version": "2012-10-17", "Statement": []})
def role(name, i, policies):
    return {"name": name, "arn": "arn:aws:iam::111122223333:role/" + name, "id": "AROA%017d" % i,
            "max_session": 3600, "trust": trust, "policies": policies}
roles = [role("r%04d" % i, i, {"p": doc}) for i in range(1000)] + [role("approle", 1000, {})]
json.dump({"format": "awsim-state/1", "accounts": [{"id": "111122223333", "roles": roles}]}, open(sys.argv[1], "w"))
PY
start_awsim --state "$WORK/awsim-state.json"
write_config
# only the resync asked for below: the reads are counted
sed -i 's/^resync_interval: .*/resync_interval: 1h/' "$WORK/config.yaml"
write_budget_tenant b1 100 "80:actual:b1@example.com" "[approle]"
start_daemon
wait_until 60 "b1 Ready" all_ready
calls_of() { awsim_get calls | jq -r --arg op "$1" '.[$op].ok // 0'; }
applied() { tenant_json b1 | jq -e ".observed.role_policies[0].applied == true" >/dev/null; }
wait_until 30 "b1's policy applied as the bulk read shows it" applied
[ "$(calls_of iam:GetRolePolicy)" = 0 ] && [ "$(calls_of iam:ListRolePolicies)" = 0 ] ||
	fail "policies were read one by one: the bulk read failed ($(awsim_get calls | jq -c 'with_entries(select(.key | startswith("iam:")))'))"
first=$(calls_of iam:GetAccountAuthorizationDetails)
[ "$first" = 12 ] || fail "the first read: $first GetAccountAuthorizationDetails, want 12 (1,000 too large, then 11 pages of 100)"

# a hand edit of b1's policy: seen by the next resync's bulk read and set back
good=$(role_policy approle bedrock-tenantd-b1)
[ -n "$good" ] || fail "no policy of b1 on approle"
curl -sf --aws-sigv4 "aws:amz:us-east-1:iam" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data "Action=PutRolePolicy&Version=2010-05-08&RoleName=approle&PolicyName=bedrock-tenantd-b1" \
	--data-urlencode 'PolicyDocument={"Version":"2012-10-17","Statement":[]}' "http://127.0.0.1:$PORT/" >/dev/null ||
	fail "could not edit the policy by hand"
ctl resync >/dev/null
repaired() { [ "$(role_policy approle bedrock-tenantd-b1)" = "$good" ]; }
wait_until 60 "the edited policy set back" repaired
grep -q "tenant=b1 drift repaired: wrote policy bedrock-tenantd-b1 on role approle" "$WORK/daemon.log" ||
	fail "the repair is not told as one"
# the resync's read started at 100 roles a page: 11 pages, no page too large
wait_until 30 "the resync's read over" bash -c "[ \$(($(calls_of iam:GetAccountAuthorizationDetails) - $first)) -ge 11 ]"
sleep 1
[ $(($(calls_of iam:GetAccountAuthorizationDetails) - first)) = 11 ] ||
	fail "the resync's read: $(($(calls_of iam:GetAccountAuthorizationDetails) - first)) calls, want 11"

# the large policies deleted by hand: the next read still starts at 100 (its pages
# were large), and finds them small; the one after asks 1,000 roles a page again
seq -f "r%04g" 0 999 | xargs -P 4 -I{} curl -sf --max-time 30 --aws-sigv4 "aws:amz:us-east-1:iam" \
	--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data "Action=DeleteRolePolicy&Version=2010-05-08&RoleName={}&PolicyName=p" -o /dev/null "http://127.0.0.1:$PORT/" ||
	fail "could not delete the large policies"
read_calls() { echo $(($(calls_of iam:GetAccountAuthorizationDetails) - before)); }
read_done() { [ "$(read_calls)" -ge "$1" ]; }
before=$(calls_of iam:GetAccountAuthorizationDetails)
ctl resync >/dev/null
wait_until 30 "the resync's read of 11 pages" read_done 11
sleep 1
[ "$(read_calls)" = 11 ] || fail "the read after the policies shrank: $(read_calls) calls, want 11 (pages of 100)"
before=$(calls_of iam:GetAccountAuthorizationDetails)
ctl resync >/dev/null
wait_until 30 "the next resync's read" read_done 1
sleep 1
[ "$(read_calls)" = 2 ] || fail "the read after that: $(read_calls) calls, want 2 (pages of 1,000 for 1,001 roles)"
all_ready || fail "not Ready: $(status_json | jq -c .tenants)"
stop_daemon
echo PASS
