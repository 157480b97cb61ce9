#!/bin/sh
# bedrock-tenantd validate end to end: exit statuses, the file:line:col lines, the
# summary and the JSON form. Usage: validate-cli.sh BEDROCK_TENANTD DOCS_EXAMPLES GOLDEN
set -eu
bin=$1 examples=$2 golden=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "validate-cli: $*" >&2
	exit 1
}

# The examples are clean: every manifest under tenants/ counted, one tenant each.
"$bin" validate --config "$examples/config.yaml" >"$tmp/ok.txt" || fail "examples: exit $?"
n=$(find "$examples/tenants" -name '*.yaml' | wc -l)
[ "$n" -ge 8 ] || fail "examples: only $n manifests under $examples/tenants"
grep -q "^ok: $n tenants in $n manifests under " "$tmp/ok.txt" || fail "examples: $(cat "$tmp/ok.txt")"

# Problems: every one, as file:line:col: message, then a summary; exit 1.
mkdir "$tmp/m"
cp "$golden/bad/061-model-not-allowed.yaml" "$golden/bad/098-many-problems.yaml" "$tmp/m/"
cp "$examples/tenants/claims/acme-claims.yaml" "$tmp/m/"
rc=0
"$bin" validate --config "$golden/config.yaml" "$tmp/m" >"$tmp/bad.txt" || rc=$?
[ "$rc" = 1 ] || fail "bad manifests: exit $rc"
grep -q "^$tmp/m/061-model-not-allowed.yaml:12:14: spec.profiles\[0\].model: model 'cohere.command-r-plus-v1:0' is not allowed by policy.allowed_models" "$tmp/bad.txt" ||
	fail "no located problem: $(cat "$tmp/bad.txt")"
[ "$(grep -c "^$tmp/m/098-many-problems.yaml:[0-9]*:[0-9]*: " "$tmp/bad.txt")" = 13 ] || fail "not every problem"
tail -n 1 "$tmp/bad.txt" | grep -q "^14 errors in 2 of 3 manifests under $tmp/m (1 tenant valid)$" ||
	fail "summary: $(tail -n 1 "$tmp/bad.txt")"

# The same as JSON.
rc=0
"$bin" validate --json --config "$golden/config.yaml" "$tmp/m" >"$tmp/bad.json" || rc=$?
[ "$rc" = 1 ] || fail "json: exit $rc"
for want in '"ok":	false' '"manifests":	3' '"tenants":	1' '"errors":	14' '"line":	12' '"column":	14' \
	'"severity":	"error"'; do
	grep -qF "$want" "$tmp/bad.json" || fail "json lacks $want"
done

# An empty directory is a problem, not "no tenants".
mkdir "$tmp/empty"
rc=0
"$bin" validate --config "$golden/config.yaml" "$tmp/empty" >"$tmp/empty.txt" || rc=$?
[ "$rc" = 1 ] || fail "empty: exit $rc"
grep -q "no manifests" "$tmp/empty.txt" || fail "empty: $(cat "$tmp/empty.txt")"
# read, and empty: the summary says so (it said "the directory could not be read")
tail -n 1 "$tmp/empty.txt" | grep -q "; the directory holds no manifest$" || fail "empty summary: $(tail -n 1 "$tmp/empty.txt")"

# Errors of the configuration are counted apart from the manifests' in the summary.
printf 'resync_interval: 0s\nbackoff: {initial: 0s}\n' >"$tmp/bad-config.yaml"
rc=0
"$bin" validate --config "$tmp/bad-config.yaml" "$tmp/m" >"$tmp/bad-config.txt" || rc=$?
[ "$rc" = 1 ] || fail "bad configuration: exit $rc"
tail -n 1 "$tmp/bad-config.txt" | grep -q "^[0-9]* errors (2 in $tmp/bad-config.yaml) in " ||
	fail "bad configuration summary: $(tail -n 1 "$tmp/bad-config.txt")"

# Usage errors exit 2; --help exits 0.
rc=0
"$bin" validate a b >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "usage: exit $rc"
rc=0
"$bin" validate --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "unknown option: exit $rc"
"$bin" validate --help | grep -q '^usage: bedrock-tenantd validate' || fail "--help"
"$bin" --version | grep -q '^bedrock-tenantd ' || fail "--version"
echo "validate-cli: ok"
