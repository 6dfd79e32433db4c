# shellcheck shell=bash
# Waiting on events, for the test and benchmark scripts (sourced, bash): a script blocks until
# something happens, never for a guessed time. pidwait (procps) holds a pidfd and is woken by the
# exit it waits for; tail -f is woken by inotify when a file grows. Each wait is also bounded by
# SECS without progress (no line, no exit), so a failure shows as a message, not a hang; a wait
# that progresses waits as long as it progresses, however slow the machine.
#
# The sourcing script sets AWAIT_DIR to a directory of its own: pidwait -F reads the pid from a
# file there (it takes a file, not a pipe).

# True while PID runs; a zombie (exited, not yet waited for) counts as gone.
running() {
	local pid=$1 stat
	[[ -n $pid ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# await_pid_file PID: writes PID to $AWAIT_DIR/waited.pid, the file pidwait -F is given.
await_pid_file() {
	printf '%s\n' "$1" >"${AWAIT_DIR:?the sourcing script sets AWAIT_DIR}/waited.pid"
}

# wait_gone PID SECS: blocks until PID is gone (a zombie counts as gone), at most SECS.
wait_gone() {
	local pid=$1 secs=$2 st=0
	running "$pid" || return 0
	await_pid_file "$pid"
	timeout "$secs" pidwait -F "$AWAIT_DIR/waited.pid" || st=$?
	# 0: it ended while waited for; 1: it had gone already; 124: SECS passed
	((st == 0 || st == 1))
}

# await_children PID SECS: blocks until PID has no child left (none are expected to be born
# meanwhile); fails when SECS pass without one of them ending. pidwait holds a pidfd of the child
# and is woken by its exit.
await_children() {
	local parent=$1 secs=$2 kid live
	for (( ; ; )); do
		live=()
		for kid in $(pgrep -P "$parent"); do
			running "$kid" && live+=("$kid")
		done
		((${#live[@]} > 0)) || return 0
		for kid in "${live[@]}"; do
			wait_gone "$kid" "$secs" || return 1
		done
	done
}

# await_lines FILE COUNT SECS PID GREP-ARGS...: blocks until COUNT lines of FILE match GREP-ARGS
# (options and a pattern), reading FILE from its start and then as it grows. Gives up as soon as
# PID, the process that writes FILE, is gone, or when SECS pass without a new matching line.
# Prints how many matching lines it saw (at most COUNT).
await_lines() {
	local file=$1 count=$2 secs=$3 pid=$4 fd follower seen=0
	shift 4
	await_pid_file "$pid"
	# tail follows FILE through grep until PID is gone or we are done (TERM ends both).
	exec {fd}< <(exec bash -c '
		file=$1 waited=$2
		shift 2
		tail -n +1 -f "$file" > >(exec grep --line-buffered "$@") & t=$!
		pidwait -F "$waited" & w=$!
		trap "kill $t $w 2>/dev/null" TERM
		wait -n
		kill "$t" "$w" 2>/dev/null
		wait' follow "$file" "$AWAIT_DIR/waited.pid" "$@" 2>/dev/null)
	follower=$!
	while ((seen < count)) && IFS= read -r -t "$secs" -u "$fd" _; do
		((++seen))
	done
	kill "$follower" 2>/dev/null || true
	exec {fd}<&-
	wait "$follower" 2>/dev/null || true
	# PID may have written its last lines and gone before tail printed them: read the file
	# once more, whole, now that nothing is left to wait for.
	if ((seen < count)); then
		seen=$(grep -c -m "$count" "$@" "$file" 2>/dev/null) || true
	fi
	echo "${seen:-0}"
}

# await_line FILE SECS PID GREP-ARGS...: true once a line of FILE matches (see await_lines).
await_line() {
	local file=$1 secs=$2 pid=$3
	shift 3
	[[ $(await_lines "$file" 1 "$secs" "$pid" "$@") == 1 ]]
}
