# bash completion for bedrock-tenantctl: commands, options and their values, and
# tenant ids, which it asks the running daemon for (at most 1 s; nothing when the
# daemon does not answer). Install as
# /usr/share/bash-completion/completions/bedrock-tenantctl.

_bedrock_tenantctl_commands="status tenants tenant resolve reconcile resync pause resume approve-prune places history health ready wait-ready version usage profile-map"
_bedrock_tenantctl_options="--socket --output --json --watch --interval --state --request-timeout --since --until --limit --version --help"
_bedrock_tenantctl_states="Pending Reconciling Ready Drifted Error Stalled Deleting Held Suspended OverBudget"

# _bedrock_tenantctl_ids PROGRAM [SOCKET]: the tenant ids the daemon knows.
_bedrock_tenantctl_ids() {
	local prog=$1 socket=${2:-}
	if [[ -n $socket ]]; then
		"$prog" --socket "$socket" --request-timeout 1 tenants -o name 2>/dev/null
	else
		"$prog" --request-timeout 1 tenants -o name 2>/dev/null
	fi
}

_bedrock_tenantctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= i w cmd= socket= nargs=0 after_dd= value_next=
	local prog=${COMP_WORDS[0]}
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# "--opt=value": bash splits at "=" (COMP_WORDBREAKS); look past it
	if [[ $cur == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	# what the line says so far: the command, its operands, the socket
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $value_next ]]; then
			[[ $w == = ]] && continue
			[[ $value_next == socket ]] && socket=$w
			value_next=
			continue
		fi
		if [[ -z $after_dd ]]; then
			case $w in
			--) after_dd=1; continue ;;
			-s | --socket) value_next=socket; continue ;;
			--socket=*) socket=${w#--socket=}; continue ;;
			-o | --output | --interval | --state | --request-timeout | --since | --until | --limit) value_next=other; continue ;;
			-?*) continue ;;
			esac
		fi
		if [[ -z $cmd ]]; then cmd=$w; else nargs=$((nargs + 1)); fi
	done
	[[ -n $socket ]] || socket=${BEDROCK_TENANTD_SOCKET:-}

	if [[ -z $after_dd ]]; then
		case $prev in
		-s | --socket)
			COMPREPLY=($(compgen -f -- "$cur"))
			return 0
			;;
		-o | --output)
			COMPREPLY=($(compgen -W "table wide json name" -- "$cur"))
			return 0
			;;
		--state)
			# several states, comma-separated: complete the last one
			local done_part=
			[[ $cur == *,* ]] && done_part=${cur%,*},
			COMPREPLY=($(compgen -P "$done_part" -W "$_bedrock_tenantctl_states" -- "${cur##*,}"))
			return 0
			;;
		--interval | --request-timeout | --since | --until | --limit)
			return 0
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_bedrock_tenantctl_options -s -o -j -w -V -h --" -- "$cur"))
			return 0
		fi
	fi
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$_bedrock_tenantctl_commands" -- "$cur"))
		return 0
	fi
	case $cmd in
	tenant | reconcile | resolve | history | usage)
		if ((nargs == 0)); then
			COMPREPLY=($(compgen -W "$(_bedrock_tenantctl_ids "$prog" "$socket")" -- "$cur"))
		fi
		;;
	esac
	return 0
}

complete -F _bedrock_tenantctl bedrock-tenantctl
