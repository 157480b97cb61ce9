#!/usr/bin/env bash
# The daemon with its credentials from a profile of the shared config file, as the
# AWS SDKs read it: a credential_process (run without a shell, its keys used for
# every call) and an IAM Identity Center (SSO) profile (the cached token of `aws sso
# login` traded at awsim's SSO portal for role credentials). Both reconcile a tenant
# to Ready in awsim. An expired SSO token stalls nothing silently: the log says to
# run aws sso login.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
write_tenant team-a
AKID=$AWS_ACCESS_KEY_ID
SECRET=$AWS_SECRET_ACCESS_KEY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export HOME=$WORK/home AWS_CONFIG_FILE=$WORK/home/.aws/config AWS_PROFILE=tenantd
mkdir -p "$HOME/.aws/sso/cache" "$WORK/bin dir"

# ---- credential_process ----
cat >"$WORK/bin dir/creds" <<SH
#!/bin/sh
[ "\$1" = "--role" ] && [ "\$2" = "a b" ] && [ "\$3" = '\$(touch' ] && [ "\$4" = '$WORK/pwned)' ] || { echo "bad arguments: \$*" >&2; exit 2; }
echo run >>"$WORK/runs"
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "Expiration": "%s"}' \
	"$AKID" "$SECRET" "\$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
SH
chmod +x "$WORK/bin dir/creds"
cat >"$AWS_CONFIG_FILE" <<INI
[profile tenantd]
credential_process = "$WORK/bin dir/creds" --role 'a b' \$(touch $WORK/pwned)
INI
start_daemon
wait_until 60 "team-a Ready with credential_process" all_ready
[ "$(awsim_profiles_of team-a)" = 1 ] || fail "no profile for team-a"
[ -s "$WORK/runs" ] || fail "the credential process never ran"
[ ! -e "$WORK/pwned" ] || fail "a shell ran the command line"
stop_daemon

# ---- SSO ----
write_tenant team-b
cat >"$AWS_CONFIG_FILE" <<INI
[profile tenantd]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = TenantdOperator

[sso-session corp]
sso_start_url = https://d-abc123.awsapps.com/start
sso_region = us-east-1
INI
export AWS_ENDPOINT_URL_SSO=http://127.0.0.1:$PORT
cache=$HOME/.aws/sso/cache/$(printf corp | sha1sum | cut -c1-40).json
curl -sf -X POST -d '{"expires_in": 3600}' "http://127.0.0.1:$PORT/_awsim/sso/token" >"$cache"
start_daemon
wait_until 60 "team-b Ready with SSO" all_ready
[ "$(awsim_profiles_of team-b)" = 1 ] || fail "no profile for team-b"
[ "$(calls sso:GetRoleCredentials)" -ge 1 ] || fail "no GetRoleCredentials"
stop_daemon

# an expired token: the operator is told what to run
curl -sf -X POST -d '{"expires_in": -60}' "http://127.0.0.1:$PORT/_awsim/sso/token" >"$cache"
: >"$WORK/daemon.log"
start_daemon
wait_until 30 "the log to say: run aws sso login" grep -q 'run `aws sso login --profile tenantd`' "$WORK/daemon.log"
stop_daemon
echo PASS
