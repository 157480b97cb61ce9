#!/usr/bin/env bash
# The pre-commit hook in a scratch repository: a commit of a bad manifest is refused
# with the validator's problem, a good one goes through, and the staged content (not
# the working tree) is what is checked.
set -euo pipefail
validate=${1:?the bedrock-tenantd binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/btd-hook-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
export HOME=$work GIT_CONFIG_NOSYSTEM=1
git init -q "$work/repo"
cd "$work/repo"
git config user.email ci@example.com
git config user.name CI
git config bedrock-tenantd.config ci/config.yaml
git config bedrock-tenantd.validate "$validate"
cp "$top/contrib/pre-commit/pre-commit" .git/hooks/pre-commit
mkdir -p ci tenants
printf 'region: us-east-1\nmanifests: ../tenants\n' >ci/config.yaml
cat >tenants/acme.yaml <<'YAML'
apiVersion: bedrock-tenantd/v1
kind: Tenant
metadata:
  name: acme
spec:
  profiles:
    - name: chat
      model: anthropic.claude-3-5-haiku-20241022-v1:0
YAML
git add -A
git commit -qm good 2>"$work/err" || fail "a good manifest was refused: $(cat "$work/err")"

sed -i 's/name: acme$/name: Acme/' tenants/acme.yaml
git add -A
if git commit -qm bad 2>"$work/err" >"$work/out"; then
	fail "a bad manifest was committed"
fi
cat "$work/out" >>"$work/err"
grep -q "^tenants/acme.yaml:4:9: metadata.name" "$work/err" || fail "the problem is not shown: $(cat "$work/out" "$work/err")"
grep -q "nothing committed" "$work/err" || fail "no refusal message: $(cat "$work/err")"

# the index decides: a bad working tree over a good staged file commits
git reset -q
git checkout -q -- tenants/acme.yaml
sed -i 's/model: .*/model: amazon.nova-micro-v1:0/' tenants/acme.yaml
git add tenants/acme.yaml
echo "broken: [" >>tenants/acme.yaml
git commit -qm "staged good" 2>"$work/err" || fail "the working tree was checked, not the index: $(cat "$work/err")"
echo ok
