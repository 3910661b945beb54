# System tests of the hypervisor's own network: ftvisor in QEMU (TCG: it
# stops for lack of VT-x and stays up at the console) or in Bochs, with an
# e1000 on a tap in a private network namespace (scripts/netns.sh), reached
# from the host side of the bridge.
# Every case tears its namespace down and stops its emulator, pass or fail.

NET_HV_IP=10.77.0.10
NET_HV_MAC=52:54:00:4d:00:10

# A unique namespace per case: two cases may run at once.
net_case_ns() {
	echo "ftv-$1-$BASHPID"
}

# ping_hypervisor_in NS EMULATOR IMAGE READY: within the rig NS, boots
# IMAGE (QEMU on tapQ, Bochs on tapA), waits for the interface and for the
# READY line, then pings ftvisor from the host side of the bridge.
ping_hypervisor_in() {
	local ns=$1 emu=$2 image=$3 ready=$4 log=$CASE_DIR/console
	if [ "$emu" = qemu ]; then
		emu_start qemu "$image" "$log" \
			env FTV_QEMU_TAP=tapQ FTV_QEMU_MAC=$NET_HV_MAC ip netns exec "$ns"
	else
		emu_start bochs "$image" "$log" \
			env FTV_BOCHS_TAP=tapA FTV_BOCHS_MAC=$NET_HV_MAC ip netns exec "$ns"
	fi
	emu_wait "$log" "net: interface up: $NET_HV_IP netmask 255\.255\.255\.0 gateway 10\.77\.0\.1" 120 &&
		emu_wait "$log" "$ready" 120 || return 1
	# QEMU's e1000 holds receive back for a second after the driver enables
	# it: wait until the first echo comes back, then count.
	local tries=0
	until ip netns exec "$ns" ping -c 1 -W 1 "$NET_HV_IP" >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ $tries -ge 15 ]; then
			echo "no answer to ping from $NET_HV_IP within 15 tries"
			return 1
		fi
	done
	ip netns exec "$ns" ping -c 3 -W 2 "$NET_HV_IP" >"$CASE_DIR/ping" 2>&1
	local status=$?
	cat "$CASE_DIR/ping"
	if [ $status != 0 ] || ! grep -q '3 packets transmitted, 3 received' "$CASE_DIR/ping"; then
		echo "ping lost echoes"
		return 1
	fi
	# The MAC comes from the EEPROM (all Bochs offers) and is programmed.
	expect "$log" \
		"e1000: Intel 82540EM at PCI [0-9a-f]{2}:[0-9a-f]{2}\.[0-7], registers at 0x[0-9a-f]+, MAC $NET_HV_MAC, link up" &&
		expect_not "$log" 'e1000: (WARN|ERROR)' 'net: (WARN|ERROR)'
}

# The host reaches the hypervisor through the bridge, after ftvisor has
# stopped (no VT-x under TCG): a non-fatal stop keeps the network up.
qemu_host_pings_hypervisor() {
	write_config "$CASE_DIR/ftvisor.cfg" "net.ip = $NET_HV_IP" "net.gateway = 10.77.0.1"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	local ns
	ns=$(net_case_ns ping)
	with_net_rig "$ns" ping_hypervisor_in "$ns" qemu "$CASE_DIR/esp.img" \
		'ftvisor: staying at the console' &&
		expect "$CASE_DIR/console" 'ftvisor: stopped: no VT-x \(code 2\)'
}

# The same in Bochs, where the guest runs first: after it, the console
# stays up and the network with it.
bochs_host_pings_hypervisor() {
	write_config "$CASE_DIR/ftvisor.cfg" "net.ip = $NET_HV_IP" "net.gateway = 10.77.0.1" \
		"guest.cmdline = test=all ticks=20"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	bash "$ROOT/scripts/mkiso.sh" "$CASE_DIR/esp.img" "$CASE_DIR/ftvisor.iso"
	local ns
	ns=$(net_case_ns bping)
	with_net_rig "$ns" ping_hypervisor_in "$ns" bochs "$CASE_DIR/ftvisor.iso" \
		'ftvisor: guest stopped; the console stays up' &&
		expect "$CASE_DIR/console" 'guest: all checks passed'
}

# An address but no NIC is a configuration error, stopped before VT-x.
qemu_net_without_nic_is_refused() {
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "net.ip = $NET_HV_IP"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" \
		'net: ERROR: no supported NIC found \(want Intel 82540EM 8086:100e\)' \
		'net: ERROR: networking is configured but there is no working NIC' \
		'ftvisor: stopped: bad config \(code 3\)' &&
		expect_not "$CASE_DIR/console" 'vmx: ' &&
		expect_status 7
}

# Without net.ip ftvisor leaves PCI alone and says so.
qemu_net_off_without_address() {
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" 'net: networking off \(no net.ip, net.dhcp off\)' 'stopped: no VT-x \(code 2\)' &&
		expect_not "$CASE_DIR/console" 'e1000: ' &&
		expect_status 5
}

# net_irq_case_in NS MODE: boots QEMU with net.irq = MODE and a console the
# test types into, pings ftvisor 20 times while it sleeps at the console,
# then asks 'net' how the frames came in.
net_irq_case_in() {
	local ns=$1 log=$CASE_DIR/console fifo=$CASE_DIR/console.in
	mkfifo "$fifo"
	emu_start qemu "$CASE_DIR/esp.img" "$log" \
		env FTV_QEMU_TAP=tapQ FTV_QEMU_MAC=$NET_HV_MAC FTV_QEMU_CONSOLE_IN="$fifo" \
		ip netns exec "$ns"
	emu_wait "$log" 'ftvisor: staying at the console' 120 || return 1
	local tries=0
	until ip netns exec "$ns" ping -c 1 -W 1 "$NET_HV_IP" >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ $tries -lt 15 ] || { echo "no answer to ping within 15 tries"; return 1; }
	done
	ip netns exec "$ns" ping -c 20 -i 0.1 -W 2 "$NET_HV_IP" >"$CASE_DIR/ping" 2>&1
	grep -q '20 packets transmitted, 20 received' "$CASE_DIR/ping" ||
		{ cat "$CASE_DIR/ping"; echo "ping lost echoes"; return 1; }
	console_send "$fifo" net &&
		emu_wait "$log" '^  interrupt: ' 20
}

# A frame wakes the sleeping host through the NIC's interrupt: the routing
# probe finds the I/O APIC pin, and every echo request came with one.
qemu_receive_is_interrupt_driven() {
	write_config "$CASE_DIR/ftvisor.cfg" "net.ip = $NET_HV_IP" "net.gateway = 10.77.0.1"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	local ns
	ns=$(net_case_ns irq)
	with_net_rig "$ns" net_irq_case_in "$ns" || return 1
	local log=$CASE_DIR/console taken
	expect "$log" 'irq: local APIC [0-9]+, timer [0-9]+ ticks/ms: the host sleeps in HLT when idle' \
		'irq: I/O APIC at 0xfec00000, 24 pins \(from the MADT\)' \
		'net: e1000 interrupt: I/O APIC pin [0-9]+ \(level, active (high|low)\), vector 0x80; firmware IRQ [0-9]+, pins fired by the test: [0-9,]+, busy without it: none' ||
		return 1
	taken=$(sed -n 's/^  interrupt: I\/O APIC pin [0-9]*, vector 0x80, \([0-9]*\) taken, .*/\1/p' "$log")
	if [ -z "$taken" ] || [ "$taken" -lt 20 ]; then
		echo "the NIC interrupted ${taken:-no} times for 21 echo requests"
		return 1
	fi
	expect_not "$log" 'irq: WARN' 'net: (WARN|ERROR)'
}

# With net.irq = off the NIC is polled, and the host still answers.
qemu_receive_polled_when_irq_off() {
	write_config "$CASE_DIR/ftvisor.cfg" "net.ip = $NET_HV_IP" "net.gateway = 10.77.0.1" \
		"net.irq = off"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	local ns
	ns=$(net_case_ns poll)
	with_net_rig "$ns" net_irq_case_in "$ns" &&
		expect "$CASE_DIR/console" 'net: e1000: receiving by polling \(net.irq = off\)' \
			'^  interrupt: none, receiving by polling \(net.irq = off\)' &&
		expect_not "$CASE_DIR/console" 'net: e1000 interrupt:' 'irq: I/O APIC'
}

# ping_during_guest_in NS: pings ftvisor while its CPU-bound guest runs;
# the echo requests interrupt the guest and are answered at once.
ping_during_guest_in() {
	local ns=$1 log=$CASE_DIR/console
	emu_start bochs "$CASE_DIR/ftvisor.iso" "$log" \
		env FTV_BOCHS_TAP=tapA FTV_BOCHS_MAC=$NET_HV_MAC ip netns exec "$ns"
	emu_wait "$log" 'guest: compute: CPU-bound work' 120 || return 1
	ip netns exec "$ns" ping -c 5 -i 0.2 -W 2 "$NET_HV_IP" >"$CASE_DIR/ping" 2>&1
	cat "$CASE_DIR/ping"
	if grep -q 'guest: compute: [0-9]* interrupts' "$log"; then
		echo "the guest had finished before the pings were answered: make it run longer"
		return 1
	fi
	grep -q '5 packets transmitted, 5 received' "$CASE_DIR/ping" || { echo "ping lost echoes"; return 1; }
	emu_wait "$log" 'vmx: guest ran for' 120 && emu_wait "$log" 'exit 52' 10 || return 1
	# Each echo request forced the guest out through the NIC's interrupt.
	local exits
	exits=$(awk '$1 == "exit" && $2 == 1 && $3 == "external" { print $5 }' "$log")
	if [ -z "$exits" ] || [ "$exits" -lt 5 ]; then
		echo "${exits:-no} external-interrupt exits for 5 echo requests"
		return 1
	fi
}

# The hypervisor stays reachable while a plain guest runs flat out: the
# NIC's interrupt takes the CPU back from the guest.
bochs_pings_answered_while_guest_runs() {
	write_config "$CASE_DIR/ftvisor.cfg" "net.ip = $NET_HV_IP" "net.gateway = 10.77.0.1" \
		"guest.cmdline = test=compute ticks=6000"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	bash "$ROOT/scripts/mkiso.sh" "$CASE_DIR/esp.img" "$CASE_DIR/ftvisor.iso"
	local ns
	ns=$(net_case_ns grun)
	with_net_rig "$ns" ping_during_guest_in "$ns" &&
		expect "$CASE_DIR/console" 'guest: guest reported: test passed' &&
		expect_not "$CASE_DIR/console" 'e1000: (WARN|ERROR)' 'net: (WARN|ERROR)'
}

# dhcp_case_in NS: a DHCP server (dnsmasq) on the namespace's bridge, then
# ftvisor asking it for an address; the host pings the leased address.
DHCP_FIRST=10.77.0.100
dhcp_case_in() {
	local ns=$1 log=$CASE_DIR/console
	ip netns exec "$ns" dnsmasq --keep-in-foreground --port=0 --interface=br0 --bind-interfaces \
		--dhcp-range=$DHCP_FIRST,$DHCP_FIRST,255.255.255.0,120 \
		--dhcp-leasefile="$CASE_DIR/leases" --pid-file="$CASE_DIR/dnsmasq.pid" \
		--log-facility="$CASE_DIR/dnsmasq.log" &
	local dnsmasq=$!
	emu_start qemu "$CASE_DIR/esp.img" "$log" \
		env FTV_QEMU_TAP=tapQ FTV_QEMU_MAC=$NET_HV_MAC ip netns exec "$ns"
	local status=0
	emu_wait "$log" 'ftvisor: staying at the console' 120 &&
		ip netns exec "$ns" ping -c 3 -W 2 "$DHCP_FIRST" >"$CASE_DIR/ping" 2>&1 ||
		status=1
	kill -TERM "$dnsmasq" 2>/dev/null
	wait "$dnsmasq" 2>/dev/null
	cat "$CASE_DIR/ping" 2>/dev/null
	return $status
}

# net.dhcp = yes: the address, netmask and gateway come from the segment's
# DHCP server; the lease is said on the console and the host reaches it.
qemu_address_from_dhcp() {
	write_config "$CASE_DIR/ftvisor.cfg" "net.dhcp = yes"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	local ns
	ns=$(net_case_ns dhcp)
	with_net_rig "$ns" dhcp_case_in "$ns" &&
		expect "$CASE_DIR/console" 'net: DHCP: asking for an address \(up to 30 s\)' \
			'net: DHCP: lease from 10\.77\.0\.1 for 120 s after [0-9]+ ms' \
			"net: interface up: $DHCP_FIRST netmask 255\.255\.255\.0 gateway 10\.77\.0\.1" &&
		grep -qi "$NET_HV_MAC $DHCP_FIRST" "$CASE_DIR/leases"
}

# boot_qemu_on_tap NS: boots $CASE_DIR/esp.img with its NIC on tapQ in NS
# and waits for it to end (ftvisor powering off); sets BOOT_STATUS.
boot_qemu_on_tap() {
	emu_start qemu "$CASE_DIR/esp.img" "$CASE_DIR/console" \
		env FTV_QEMU_TAP=tapQ FTV_QEMU_MAC=$NET_HV_MAC ip netns exec "$1"
	BOOT_STATUS=0
	wait "$EMU_PID" || BOOT_STATUS=$?
	EMU_PIDS=()
}

# Without a DHCP server ftvisor says so after net.dhcp_timeout_s, showing
# that it waited, and stops with a configuration error.
qemu_dhcp_without_server_is_reported() {
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "net.dhcp = yes" \
		"net.dhcp_timeout_s = 12"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	local ns
	ns=$(net_case_ns nodhcp)
	with_net_rig "$ns" boot_qemu_on_tap "$ns" &&
		expect "$CASE_DIR/console" 'net: DHCP: still waiting for a lease \(5 s\)' \
			'net: DHCP: still waiting for a lease \(10 s\)' \
			'net: ERROR: DHCP: no lease within 12 s: is a DHCP server on this segment\?' \
			'ftvisor: stopped: bad config \(code 3\)' &&
		expect_not "$CASE_DIR/console" 'net: interface up' &&
		expect_status 7
}

# An address in two ways is refused before the NIC is touched.
qemu_dhcp_and_static_address_refused() {
	write_config "$CASE_DIR/ftvisor.cfg" "hv.on_stop = poweroff" "net.dhcp = yes" \
		"net.ip = $NET_HV_IP"
	make_esp "$CASE_DIR/esp.img" "$EFI" "$CASE_DIR/ftvisor.cfg" "$GUEST"
	boot qemu "$CASE_DIR/esp.img" "$CASE_DIR/console"
	expect "$CASE_DIR/console" \
		'net: ERROR: net.ip is set and net.dhcp = yes: choose one way to get the address' \
		'ftvisor: stopped: bad config \(code 3\)' &&
		expect_not "$CASE_DIR/console" 'e1000: ' &&
		expect_status 7
}
