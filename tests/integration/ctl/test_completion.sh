#!/usr/bin/env bash
# The bash completion, driven as bash drives it (COMP_WORDS, COMP_CWORD): commands,
# options anywhere, option values (--output, --state with several states, "--opt="
# forms), tenant ids asked of the daemon on the socket the line names with a short
# timeout (a stub stands in for bedrock-tenantctl). Both completions name every
# command and long option `bedrock-tenantctl --help` lists; the zsh one parses.
set -euo pipefail
: "${BTD_BUILD:?the build directory}" "${BTD_SOURCE:?the source directory}"
CTL=$BTD_BUILD/daemon/ctl/bedrock-tenantctl
BASH_COMP=$BTD_SOURCE/contrib/completion/bedrock-tenantctl.bash
ZSH_COMP=$BTD_SOURCE/contrib/completion/_bedrock-tenantctl
WORK=$(mktemp -d /tmp/btd-comp-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# shellcheck source=/dev/null
. "$BASH_COMP"
complete -p bedrock-tenantctl | grep -q -- "-F _bedrock_tenantctl bedrock-tenantctl$" ||
	fail "not registered: $(complete -p bedrock-tenantctl)"

# comp WORD...: the completions of the last word
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_bedrock_tenantctl
	echo "${COMPREPLY[*]}"
}
expect() { # WANT WORD...
	local want=$1 got
	shift
	got=$(comp "$@")
	[ "$got" = "$want" ] || fail "completing '$*': got '$got', want '$want'"
}

# a stand-in for the program: records how it was asked, answers two tenant ids
STUB=$WORK/bedrock-tenantctl
cat >"$STUB" <<STUB
#!/bin/sh
echo "\$*" >>"$WORK/asked"
printf 'alpha\nbeta\n'
STUB
chmod +x "$STUB"

expect "status tenants tenant resolve reconcile resync pause resume approve-prune places history health ready wait-ready version usage profile-map" \
	bedrock-tenantctl ""
expect "tenants tenant" bedrock-tenantctl te
expect "tenants tenant" bedrock-tenantctl -o json te
expect "--state" bedrock-tenantctl tenants --st
expect "--socket --state --since" bedrock-tenantctl tenants --s
expect "table wide json name" bedrock-tenantctl tenants -o ""
expect "json" bedrock-tenantctl tenants --output = j
expect "Stalled Suspended" bedrock-tenantctl tenants --state S
expect "OverBudget" bedrock-tenantctl tenants --state O
expect "Stalled,Error" bedrock-tenantctl tenants --state Stalled,E
expect "" bedrock-tenantctl tenants --interval ""

# tenant ids from the daemon, on the socket named anywhere before, at most 1 s
expect "alpha beta" "$STUB" --socket /x/control.sock tenant ""
grep -qx -- "--socket /x/control.sock --request-timeout 1 tenants -o name" "$WORK/asked" ||
	fail "asked: $(cat "$WORK/asked")"
: >"$WORK/asked"
expect "alpha" "$STUB" -o wide tenant --socket=/y.sock a
grep -qx -- "--socket /y.sock --request-timeout 1 tenants -o name" "$WORK/asked" || fail "asked: $(cat "$WORK/asked")"
expect "beta" "$STUB" reconcile b
expect "alpha beta" "$STUB" resolve ""
expect "" "$STUB" tenant alpha ""
expect "" "$STUB" status ""
expect "" "$STUB" places ""
: >"$WORK/asked"
BEDROCK_TENANTD_SOCKET=/env.sock expect "alpha beta" "$STUB" tenant ""
grep -qx -- "--socket /env.sock --request-timeout 1 tenants -o name" "$WORK/asked" || fail "asked: $(cat "$WORK/asked")"
# no daemon: nothing, quickly, and no error on the terminal
expect "" "$CTL" --socket "$WORK/nobody.sock" tenant ""

# every command and long option the program lists is completed (bash and zsh)
"$CTL" --help >"$WORK/help"
commands=$(sed -n '/^commands:/,/^$/p' "$WORK/help" | awk 'NF && !/^commands:/ {print $1}' | sort)
options=$(grep -o -- '--[a-z-]*' "$WORK/help" | sort -u)
[ -n "$commands" ] && [ -n "$options" ] || fail "cannot read --help"
[ "$(tr ' ' '\n' <<<"$_bedrock_tenantctl_commands" | sort)" = "$commands" ] ||
	fail "bash completion commands differ from --help: $_bedrock_tenantctl_commands"
for o in $options; do
	[ "$o" = "--" ] && continue
	grep -q -- "$o\b" <<<"$_bedrock_tenantctl_options" || fail "bash completion lacks $o"
	grep -q -- "$o\b" "$ZSH_COMP" || fail "zsh completion lacks $o"
done
for c in $commands; do
	grep -q "'$c:" "$ZSH_COMP" || fail "zsh completion lacks the command $c"
done

if command -v zsh >/dev/null; then
	zsh -n "$ZSH_COMP" || fail "the zsh completion does not parse"
	# loads in a completion system
	zsh -f -c "autoload -Uz compinit && compinit -u -d $WORK/zcd && fpath=(${ZSH_COMP%/*} \$fpath) && autoload -Uz _bedrock-tenantctl && compdef _bedrock-tenantctl bedrock-tenantctl && [[ \${_comps[bedrock-tenantctl]} == _bedrock-tenantctl ]]" ||
		fail "the zsh completion does not load"
else
	echo "zsh is not installed: its completion is checked by name only"
fi
echo PASS
