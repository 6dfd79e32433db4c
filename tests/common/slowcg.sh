#!/bin/bash
# slowcg.sh PERCENT CMD...: runs CMD, and every process it starts, held to PERCENT of one CPU core
# by a cgroup CPU quota (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us where that is what the machine
# has): this machine made as slow as a much slower one, to prove that no verdict of the suite
# depends on speed. The cgroup is made for the run and removed after it.
#
#   sudo tests/common/slowcg.sh 50 meson test -C build --suite unit --suite integration
#   sudo tests/common/slowcg.sh 50 runuser -u USER -- meson test -C build ...   (as a user)
#
# Exits with CMD's status, or 77 (a skip, to meson and CI), saying why, where no cpu controller
# can be written (not root, or a container without one).
set -euo pipefail

me=slowcg
period_us=100000

say() { printf '%s: %s\n' "$me" "$*" >&2; }

if (($# < 2)) || [[ ! $1 =~ ^[1-9][0-9]{0,3}$ ]]; then
	echo "usage: $0 PERCENT CMD... (PERCENT of one core, 1..9999)" >&2
	exit 64
fi
percent=$1
shift
quota_us=$((percent * period_us / 100))
group=
limit_file=

# cgroup v2: a group under the root, whose cpu controller the root hands down (the root may
# have processes of its own and still enable it for its children).
make_v2() {
	local root=$1
	[[ -f $root/cgroup.controllers ]] && grep -qw cpu "$root/cgroup.controllers" || return 1
	grep -qw cpu "$root/cgroup.subtree_control" ||
		echo +cpu >"$root/cgroup.subtree_control" 2>/dev/null || return 1
	group=$root/hello-slow-$$
	mkdir "$group" 2>/dev/null || return 1
	limit_file=$group/cpu.max
	echo "$quota_us $period_us" >"$limit_file" 2>/dev/null
}

# cgroup v1: the cpu hierarchy's CFS bandwidth control.
make_v1() {
	local root
	for root in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do
		[[ -f $root/cpu.cfs_quota_us ]] || continue
		group=$root/hello-slow-$$
		mkdir "$group" 2>/dev/null || return 1
		limit_file=$group/cpu.cfs_quota_us
		echo "$period_us" >"$group/cpu.cfs_period_us" 2>/dev/null &&
			echo "$quota_us" >"$limit_file" 2>/dev/null
		return
	done
	return 1
}

remove_group() {
	local pids tries=0
	[[ -n $group && -d $group ]] || return 0
	# What CMD left behind is ours: stop it, then the group can go.
	while pids=$(cat "$group/cgroup.procs" 2>/dev/null) && [[ -n $pids ]] && ((tries++ < 100)); do
		# shellcheck disable=SC2086 # one pid a word
		kill -KILL $pids 2>/dev/null || true
		sleep 0.1
	done
	rmdir "$group" 2>/dev/null || say "could not remove $group"
}

if ! make_v2 /sys/fs/cgroup && ! make_v2 /sys/fs/cgroup/unified && ! make_v1; then
	[[ -n $group && -d $group ]] && rmdir "$group" 2>/dev/null
	say "SKIP: no cgroup cpu controller can be written here ($(id -un); root is needed, or a" \
		"delegated cgroup v2 with the cpu controller)"
	exit 77
fi
trap remove_group EXIT
say "$group: $(basename "$limit_file") = $(cat "$limit_file")" \
	"($percent% of one core, period $period_us us), for: $*"
rc=0
bash -c 'echo $$ >"$1" && shift && exec "$@"' slowcg "$group/cgroup.procs" "$@" || rc=$?
exit "$rc"
