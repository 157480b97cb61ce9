#!/usr/bin/env bash
# A hostile or unlucky manifest directory under a running daemon. A symbolic link to a
# directory within the root, made, written below and removed while the daemon runs, is
# followed at once as at start (it used to be seen only at the periodic rescan, five
# minutes later: its tenants unknown, a loop or a link out of the root unreported),
# and a link made later that
# leads nowhere or in a loop is the same problem as at start (a dangling one was taken
# for a file gone, and said nothing). A manifest replaced by
# a directory, symbolic-link loops (files and directories), dangling links, links to
# devices, a FIFO and a socket named *.yaml, a sparse 2 GB file, a 7 MB manifest, a
# YAML alias bomb, 100,000 nested brackets, directories nested 40 deep and 3,000
# subdirectories; then the root removed and replaced by a file. Each is a problem in
# status naming the file and saying why, the daemon never blocks or dies, no tenant is
# deleted while the directory cannot be read, and everything comes back with the
# directory.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for i in 1 2 3 4 5 6; do write_tenant "t$i"; done
start_daemon
wait_until 60 "Ready" all_ready
T=$WORK/tenants
problem() { # problem REGEX: status shows a problem matching REGEX
	status_json | jq -e --arg t "$1" '.manifests.problems | any(test($t))' >/dev/null
}
expect() { # expect WHAT REGEX
	wait_until 30 "a problem for $1 ($2)" problem "$2"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died after $1"
}

rm "$T/t1.yaml"
mkdir "$T/t1.yaml" # a directory named like a manifest: its manifests are read
write_tenant t7
mv "$T/t7.yaml" "$T/t1.yaml/t7.yaml"
wait_until 30 "t7, in the directory t1.yaml, known" sh -c "'$CTL_BIN' --socket '$WORK/control.sock' tenant t7 >/dev/null"
known() { "$CTL_BIN" --socket "$WORK/control.sock" tenant "$1" >/dev/null 2>&1 || [ $? -le 1 ]; }
mkdir "$T/.teams"
write_tenant t8
mv "$T/t8.yaml" "$T/.teams/t8.yaml"
ln -s .teams "$T/teams"
wait_until 30 "t8, below a new link to a directory, known" known t8
write_tenant t9
mv "$T/t9.yaml" "$T/.teams/t9.yaml"
wait_until 30 "t9, written below the link, known" known t9
rm "$T/teams"
leaving() { tenant_json "$1" | jq -e '. == null or .state == "Deleting"'; }
wait_until 30 "t8 leaving with the link" leaving t8
wait_until 30 "t9 leaving with the link" leaving t9
ln -s . "$T/loop"
expect "a directory link to itself" "loop: symbolic link loop"
ln -s a.yaml "$T/b.yaml"
ln -s b.yaml "$T/a.yaml"
expect "two file links to each other" "a.yaml: symbolic link loop"
ln -s nothere.yaml "$T/dangle.yaml"
expect "a dangling link" "dangle.yaml: broken symbolic link"
ln -s /etc "$T/etc"
expect "a link to a directory outside" "etc: refused: a symbolic link to a directory outside"
rm "$T/etc"
wait_until 30 "the refused link's problem gone with it" sh -c "! '$CTL_BIN' --socket '$WORK/control.sock' --json status | grep -q '/etc: refused'"
ln -s /dev/zero "$T/zero.yaml"
expect "a link to /dev/zero" "zero.yaml: refused: a symbolic link to a file outside"
mkfifo "$T/fifo.yaml"
expect "a FIFO" "fifo.yaml: not a regular file"
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$T/sock.yaml')"
expect "a socket" "sock.yaml: cannot read"
truncate -s 2G "$T/huge.yaml"
expect "a sparse 2 GB file" "huge.yaml: the file is 2147483648 bytes"
{
	cat "$T/t6.yaml"
	seq 200000 | sed 's/^/# padding comment line /'
} >"$WORK/t6.big"
mv "$WORK/t6.big" "$T/t6.yaml"
expect "a 7 MB manifest" "t6.yaml: the file is"
tenant_json t6 | jq -e '.state == "Ready"' >/dev/null || fail "t6 was not kept when its manifest grew too large"
prev=a
{
	echo 'a: &a ["x","x","x","x","x","x","x","x","x"]'
	for k in b c d e f g h i; do
		echo "$k: &$k [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
		prev=$k
	done
} >"$T/bomb.yaml"
expect "a YAML alias bomb" "bomb.yaml"
{
	printf 'apiVersion: '
	head -c 100000 /dev/zero | tr '\0' '['
} >"$T/deep.yaml"
expect "100,000 nested brackets" "deep.yaml"
d=$T
for _ in $(seq 40); do d=$d/d; done
mkdir -p "$d"
expect "directories 40 deep" "directories nested deeper than 32 levels"
for i in $(seq 3000); do mkdir -p "$T/many/s$i"; done
sleep 2
kill -0 "$DAEMON_PID" || fail "the daemon died under 3,000 new directories"
ctl status >/dev/null 2>&1 || [ $? -le 1 ] || fail "ctl status cannot reach the daemon"

# the root goes, then is a file: nothing is deleted, and all comes back with it
deletes=$(calls bedrock:DeleteInferenceProfile)
mv "$T" "$WORK/tenants.away"
expect "a removed root" "cannot read the manifest directory"
echo x >"$T"
expect "a root that is a file" "the manifest directory is not a directory"
rm "$T"
mv "$WORK/tenants.away" "$T"
rm -rf "$T/loop" "$T"/[abd]*.yaml "$T/zero.yaml" "$T/fifo.yaml" "$T/sock.yaml" "$T/huge.yaml" "$T/d" "$T/many"
write_tenant t6
wait_eq 30 "no problem left" 0 sh -c "'$CTL_BIN' --socket '$WORK/control.sock' --json status | jq '.manifests.problems | length'"
wait_until 60 "Ready" all_ready
[ "$(calls bedrock:DeleteInferenceProfile)" = "$deletes" ] || fail "a profile was deleted while the directory could not be read"
for i in 2 3 4 5 6 7; do [ "$(awsim_profiles_of "t$i")" = 1 ] || fail "t$i does not have one profile"; done
stop_daemon
echo PASS
