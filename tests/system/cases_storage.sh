# System tests of the shared disk's iSCSI session inside ftvisor (net/iscsi
# over lwIP, hv/storage/disk.c): QEMU (TCG: ftvisor stops for lack of VT-x
# and stays at the console, still serving the network) on the namespace
# rig, against Debian's tgtd run inside the namespace on the bridge's
# address. tgtd is stopped by tgtadm (it ignores SIGTERM), then by its pid,
# pass or fail, before the namespace goes.

STORAGE_HV_IP=10.77.0.10
STORAGE_HV_MAC=52:54:00:4d:00:10
STORAGE_PORTAL=10.77.0.1
STORAGE_CTL=${STORAGE_CTL:-17}
STORAGE_IQN=iqn.2026-12.org.ftvisor:storage-test

storage_tgtadm() {
	timeout 10 tgtadm -C "$STORAGE_CTL" --lld iscsi "$@"
}

storage_tgt_stop() {
	storage_tgtadm --op delete --force --mode target --tid 1 >/dev/null 2>&1
	storage_tgtadm --op delete --mode system >/dev/null 2>&1
	local pid
	pid=$(cat "$CASE_DIR/tgtd.pid" 2>/dev/null) || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	kill -9 "$pid" 2>/dev/null
}

# storage_tgt_start NS: tgtd in NS on the bridge's address, target 1 with
# LUN 1 a 64 MiB file, open to any initiator.
storage_tgt_start() {
	local ns=$1
	truncate -s 64M "$CASE_DIR/lun.img"
	timeout 600 ip netns exec "$ns" tgtd -f --iscsi portal="$STORAGE_PORTAL":3260 -C "$STORAGE_CTL" \
		>"$CASE_DIR/tgtd.log" 2>&1 &
	echo $! >"$CASE_DIR/tgtd.pid"
	local tries=0
	until storage_tgtadm --op show --mode target >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ $tries -lt 20 ] || { echo "tgtd did not come up"; return 1; }
		sleep 0.25
	done
	storage_tgtadm --op new --mode target --tid 1 -T "$STORAGE_IQN" &&
		storage_tgtadm --op new --mode logicalunit --tid 1 --lun 1 -b "$CASE_DIR/lun.img" &&
		storage_tgtadm --op bind --mode target --tid 1 -I ALL
}

# storage_boot NS: QEMU on tapQ with a console the test types into.
storage_boot() {
	local ns=$1
	mkfifo "$CASE_DIR/console.in"
	emu_start qemu "$CASE_DIR/esp.img" "$CASE_DIR/console" \
		env FTV_QEMU_TAP=tapQ FTV_QEMU_MAC=$STORAGE_HV_MAC FTV_QEMU_CONSOLE_IN="$CASE_DIR/console.in" \
		ip netns exec "$ns"
}

# storage_config [PORTAL]: the target at PORTAL (default: the bridge).
storage_config() {
	write_config "$CASE_DIR/ftvisor.cfg" "net.ip = $STORAGE_HV_IP" "net.gateway = 10.77.0.1" \
		"storage.target = ${1:-$STORAGE_PORTAL}" "storage.iqn = $STORAGE_IQN"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
}

storage_login_in() {
	local ns=$1 log=$CASE_DIR/console
	storage_tgt_start "$ns" || return 1
	storage_boot "$ns"
	emu_wait "$log" "storage: logged in to $STORAGE_IQN at $STORAGE_PORTAL:3260 \(ISID 8[0-9a-f]{11}, digests none/none, MaxBurst [0-9]+\)" 60 &&
		emu_wait "$log" 'storage: LUN 1: 131072 blocks of 512 bytes \(64 MiB\)' 30 &&
		emu_wait "$log" 'ftvisor: staying at the console' 30 &&
		console_send "$CASE_DIR/console.in" disk &&
		emu_wait "$log" '^  connections: ' 20 || return 1
	# The target's side: one session, from the initiator named after the MAC.
	storage_tgtadm --op show --mode target >"$CASE_DIR/tgt-show" 2>&1
	cp "$log" "$CASE_DIR/console.first"
	# The target goes away and comes back: ftvisor says so, retries, and
	# logs in again on its own.
	storage_tgt_stop
	emu_wait "$log" "storage: WARN: session with $STORAGE_IQN at $STORAGE_PORTAL:3260 lost \(the target closed the connection\); reconnecting in 1000 ms" 20 &&
		emu_wait "$log" "storage: WARN: cannot reach $STORAGE_IQN .*\(attempt 1\)" 20 || return 1
	storage_tgt_start "$ns" || return 1
	local tries=0
	until [ "$(grep -c 'storage: LUN 1: 131072 blocks' "$log")" -ge 2 ]; do
		tries=$((tries + 1))
		[ $tries -lt 120 ] || { echo "no second login within 30 s"; return 1; }
		sleep 0.25
	done
	console_send "$CASE_DIR/console.in" disk &&
		emu_wait "$log" '^  connections: .* 2 logins' 20
	local status=$?
	storage_tgt_stop
	return $status
}

# ftvisor logs in to tgtd, checks LUN 1 and reports its size; the 'disk'
# command and the target agree. Then tgtd is stopped and started again:
# the session is lost, reported, and logged in again.
qemu_storage_login_and_capacity() {
	trap 'storage_tgt_stop' EXIT
	storage_config
	local ns
	ns=$(net_case_ns stor)
	with_net_rig "$ns" storage_login_in "$ns" || return 1
	local first=$CASE_DIR/console.first
	expect "$first" "^target $STORAGE_IQN at $STORAGE_PORTAL:3260, initiator iqn\.2026-12\.org\.ftvisor:5254004d0010" \
		'^  connection: logged in; session: full feature' \
		"^  LUN 1: ready, 131072 blocks of 512 bytes \(64 MiB\)" \
		'^  commands: 0 in flight, [3-9] completed, 0 errors; last latency [0-9]+ us' \
		'^  connections: 1 attempts, 1 logins, 0 reconnects' &&
		expect_not "$first" 'storage: (WARN|ERROR)' 'iscsi: (WARN|ERROR)' 'net: (WARN|ERROR)' || return 1
	grep -q 'Initiator: iqn.2026-12.org.ftvisor:5254004d0010' "$CASE_DIR/tgt-show" ||
		{ cat "$CASE_DIR/tgt-show"; echo "tgtd shows no session from ftvisor"; return 1; }
	# The same ISID after the reconnect (the stable ISID).
	local isids
	isids=$(grep -o 'storage: logged in .*(ISID [0-9a-f]*' "$CASE_DIR/console" | sed 's/.*ISID //' | sort -u | wc -l)
	[ "$isids" = 1 ] || { echo "the ISID changed across the reconnect"; return 1; }
	expect "$CASE_DIR/console" '^  connection: logged in; session: full feature' \
		'^  connections: [3-9] attempts, 2 logins, 1 reconnects after a lost session'
}

storage_unreachable_in() {
	local ns=$1 log=$CASE_DIR/console
	storage_boot "$ns"
	emu_wait "$log" 'ftvisor: staying at the console' 60 &&
		emu_wait "$log" "storage: WARN: cannot reach $STORAGE_IQN at $STORAGE_PORTAL:3260 \(connection refused or reset \(lwIP error -14\)\); retrying in 4000 ms \(attempt 3\)" 40 ||
		return 1
	local tries=0
	until ip netns exec "$ns" ping -c 1 -W 1 "$STORAGE_HV_IP" >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ $tries -lt 15 ] || { echo "no answer to ping within 15 tries"; return 1; }
	done
	ip netns exec "$ns" ping -c 3 -W 2 "$STORAGE_HV_IP" >"$CASE_DIR/ping" 2>&1
	grep -q '3 packets transmitted, 3 received' "$CASE_DIR/ping" ||
		{ cat "$CASE_DIR/ping"; echo "ping lost echoes"; return 1; }
	console_send "$CASE_DIR/console.in" disk &&
		emu_wait "$log" '^  last error: ' 20
}

# No target listens: the boot goes on, the console says so and keeps
# retrying with a growing wait, and ftvisor still answers ping and the console.
qemu_storage_target_unreachable() {
	storage_config
	local ns
	ns=$(net_case_ns unreach)
	with_net_rig "$ns" storage_unreachable_in "$ns" || return 1
	expect "$CASE_DIR/console" 'ftvisor: stopped: no VT-x \(code 2\)' \
		"storage: WARN: cannot reach $STORAGE_IQN at $STORAGE_PORTAL:3260 .*retrying in 1000 ms \(attempt 1\)" \
		"storage: WARN: cannot reach .*retrying in 2000 ms \(attempt 2\)" \
		'^  connection: (waiting to connect|connecting); session: idle' \
		'^  LUN 1: unknown' '^  last error: connection refused or reset'
}

storage_silent_in() {
	local ns=$1 log=$CASE_DIR/console
	storage_boot "$ns"
	emu_wait "$log" 'ftvisor: staying at the console' 60 &&
		emu_wait "$log" "storage: WARN: cannot reach $STORAGE_IQN at 10\.77\.0\.99:3262 \(no answer within 5 s\); retrying in 2000 ms \(attempt 2\)" 40 &&
		console_send "$CASE_DIR/console.in" disk &&
		emu_wait "$log" '^  last error: no answer within 5 s' 20
}

# A portal where nobody answers at all (no host has the address): each
# attempt gives up after its own timeout instead of lwIP's minute of SYNs.
qemu_storage_target_silent() {
	storage_config 10.77.0.99:3262
	local ns
	ns=$(net_case_ns silent)
	with_net_rig "$ns" storage_silent_in "$ns"
}
