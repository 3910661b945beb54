# System tests of the iSCSI initiator (net/iscsi) from the host side, with
# no emulator: tests/iscsi/host_initiator (the same session code over a
# POSIX socket) against Debian's tgtd on loopback, with a 16 MiB LUN in the
# case's directory. tgtd is stopped by tgtadm (it ignores SIGTERM), then by
# its pid, pass or fail.

ISCSI_PORT=${ISCSI_PORT:-3261}
ISCSI_CTL=${ISCSI_CTL:-7}
ISCSI_IQN=iqn.2026-12.org.ftvisor:host-test

iscsi_tgtadm() {
	timeout 10 tgtadm -C "$ISCSI_CTL" --lld iscsi "$@"
}

iscsi_tgt_stop() {
	iscsi_tgtadm --op delete --force --mode target --tid 1 >/dev/null 2>&1
	iscsi_tgtadm --op delete --mode system >/dev/null 2>&1
	local pid
	pid=$(cat "$CASE_DIR/tgtd.pid" 2>/dev/null) || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	kill -9 "$pid" 2>/dev/null
}

# Starts tgtd with target 1 and LUN 1 (a 16 MiB file), open to any initiator.
iscsi_tgt_start() {
	truncate -s 16M "$CASE_DIR/lun.img"
	timeout 600 tgtd -f --iscsi portal=127.0.0.1:"$ISCSI_PORT" -C "$ISCSI_CTL" >"$CASE_DIR/tgtd.log" 2>&1 &
	echo $! >"$CASE_DIR/tgtd.pid"
	local tries=0
	until iscsi_tgtadm --op show --mode target >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ $tries -lt 20 ] || { echo "tgtd did not come up"; return 1; }
		sleep 0.25
	done
	iscsi_tgtadm --op new --mode target --tid 1 -T "$ISCSI_IQN" &&
		iscsi_tgtadm --op new --mode logicalunit --tid 1 --lun 1 -b "$CASE_DIR/lun.img" &&
		iscsi_tgtadm --op bind --mode target --tid 1 -I ALL
}

# iscsi_run NAME ARGS...: one host_initiator run, its output in NAME.out.
iscsi_run() {
	local name=$1
	shift
	timeout 60 "$BUILD/iscsi/host_initiator" "$@" 127.0.0.1 "$ISCSI_PORT" "$ISCSI_IQN" \
		>"$CASE_DIR/$name.out" 2>&1
}

# Login, INQUIRY/VPD, READ CAPACITY(16), 1 MiB written and read back with
# checksums, reservations, logout: without digests, with CRC32C digests,
# and with CHAP (the right secret logs in, a wrong one and none are refused).
host_iscsi_login_and_io() {
	make -s -C "$ROOT" BUILD="$BUILD" iscsi-host || return 1
	trap 'iscsi_tgt_stop' EXIT
	iscsi_tgt_start || return 1
	iscsi_run plain || { cat "$CASE_DIR/plain.out"; return 1; }
	for want in "READ CAPACITY(16): 32768 blocks of 512 bytes" "4 in flight at once" \
		"RESERVE (Write Exclusive): GOOD" "READ RESERVATION: held, key 66747669736f7231, type 1" \
		"COMPARE AND WRITE: error" "; OK"; do
		grep -qF "$want" "$CASE_DIR/plain.out" || { echo "plain run lacks '$want'"; return 1; }
	done
	grep -q "read back crc32c" "$CASE_DIR/plain.out" || return 1
	iscsi_tgtadm --op update --mode target --tid 1 -n HeaderDigest -v CRC32C,None &&
		iscsi_tgtadm --op update --mode target --tid 1 -n DataDigest -v CRC32C,None || return 1
	iscsi_run digests -d || { cat "$CASE_DIR/digests.out"; return 1; }
	grep -q "digests CRC32C/CRC32C" "$CASE_DIR/digests.out" || { echo "digests not in use"; return 1; }
	iscsi_tgtadm --op new --mode account --user ftvuser --password ftvsecret123 &&
		iscsi_tgtadm --op bind --mode account --tid 1 --user ftvuser || return 1
	iscsi_run chap -u ftvuser -s ftvsecret123 || { cat "$CASE_DIR/chap.out"; return 1; }
	if iscsi_run chap-wrong -u ftvuser -s wrongsecret1 || iscsi_run chap-none; then
		echo "a login without the right CHAP secret was accepted"
		return 1
	fi
	grep -q "login refused by the target: status class 2 detail 1" "$CASE_DIR/chap-wrong.out" || return 1
	grep -q "login refused by the target: status class 2 detail 1" "$CASE_DIR/chap-none.out" || return 1
	echo "plain, CRC32C digests and CHAP: all OK; wrong and missing secrets refused"
}
