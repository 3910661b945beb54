# Sourced by the emulator launchers. run_bounded CLEANUP_DIR CMD...
# Runs CMD under `timeout` when FTV_TIMEOUT is set (seconds), forwards
# SIGTERM/SIGINT to it, waits, removes CLEANUP_DIR, and returns CMD's status.
# So a caller can always stop an emulator by signalling the launcher's pid.
run_bounded() {
	local dir=$1
	shift
	if [ "${FTV_TIMEOUT:-0}" != 0 ]; then
		set -- timeout --kill-after=5 "$FTV_TIMEOUT" "$@"
	fi
	"$@" </dev/null &
	local child=$!
	trap 'kill -TERM $child 2>/dev/null; wait $child 2>/dev/null; rm -rf "$dir"; exit 143' TERM INT
	local status=0
	wait $child || status=$?
	trap - TERM INT
	rm -rf "$dir"
	return $status
}
