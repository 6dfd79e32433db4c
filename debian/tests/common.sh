# Shell functions for the tests of debian/tests/control. Sourced.
# shellcheck shell=bash

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# greet HOST PORT: one client on loopback; prints what the server sent. One reply, nothing to
# see progress by: one bound, minutes, so that only a hang fails it, not a loaded machine.
greet() {
	timeout 300 bash -c 'exec 3<>"/dev/tcp/$1/$2" && cat <&3' greet "$1" "$2"
}

# as_sent TEXT: TEXT as the daemon sends it, every line ending in CR LF; printed in od's form,
# so that the comparisons see every byte.
as_sent() {
	printf '%s\r\n' "$1" | od -An -c
}

# expect_greeting HOST PORT TEXT: a client gets exactly TEXT (one line, CR LF).
expect_greeting() {
	local got
	got=$(greet "$1" "$2" | od -An -c) || fail "no greeting from $1 port $2"
	[[ $got == "$(as_sent "$3")" ]] ||
		fail "$1 port $2 sent$(tr -s ' \n' ' ' <<<"$got"), expected '$3'"
	echo "ok: $1 port $2 sent '$3'"
}

# port_closed PORT: nothing accepts on 127.0.0.1 PORT.
port_closed() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# set_message FILE TEXT: FILE holds TEXT, readable by the service's throw-away user.
set_message() {
	printf '%s\n' "$2" >"$1.new"
	chmod 0644 "$1.new"
	mv "$1.new" "$1"
}
