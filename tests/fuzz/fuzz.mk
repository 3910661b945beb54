# Fuzzing with libFuzzer (clang, ASan + UBSan): every parser of bytes that
# come from outside the hypervisor, one target each in tests/fuzz/fuzz_NAME.c:
#   log_decode       the record log decoder (a log from the wire or a file)
#   ft_rx            the logging channel's stream reassembly and messages
#   madt             the MADT parser and the interrupt-routing candidates
#   acpi_walk        RSDP -> XSDT/RSDT -> tables over a physical memory image
#   config           ftvisor.cfg
#   guest_image      the guest image's header against the guest's RAM
#   shell            the console's line editor, command word, autorun split
#   base64           decoding, and the encode/decode round trips
#   log_extract      `ftvlog extract`: the log block of a console capture
#   nic_rx           the e1000 receive verdict (descriptor status/length/errors)
#   netbench_header  the net.bench sink's header
#   iscsi_pdu        iSCSI PDUs from a target: reassembly, BHS checks, the session
#   iscsi_keys       iSCSI login text keys and the operational negotiation
#   virtq            the split-virtqueue walker over random guest memory
#   virtio_blk       virtio-blk requests (and resets) over random guest memory
#   mmio_decode      the MOV forms of MMIO accesses (the guest's instruction bytes)
#
# Included by the top-level Makefile, which runs from the project root; it
# also works alone:  make -f tests/fuzz/fuzz.mk BUILD=build fuzz
#
#   fuzz        runs each fuzzer in turn for FUZZ_SECONDS / (number of
#               fuzzers), at least FUZZ_MIN_SECONDS, starting from its corpus
#               in $(BUILD)/fuzz/corpus_NAME, which the committed seeds
#               (tests/fuzz/seeds/NAME/) and, for the log decoder, make_seeds
#               fill first; prints one summary line per fuzzer and fails if
#               any found a crash (the input lands in $(BUILD)/fuzz/artifacts,
#               named after the fuzzer)
#   fuzz-build  only builds the fuzzers and the seed writer

BUILD ?= build
FUZZ_SECONDS ?= 30
FUZZ_MIN_SECONDS ?= 1

FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_CC     := clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wextra -Werror -I.
FUZZ_CODEC  := hv/eventlog/log_codec.c hv/lib/crc32c.c
FUZZ_SEEDER := $(FUZZ_DIR)/make_seeds

# The module sources each fuzzer links, and the longest input it is given.
FUZZ_SRCS_log_decode      := $(FUZZ_CODEC)
FUZZ_MAXLEN_log_decode    := 8192
FUZZ_SRCS_ft_rx           := net/ft_proto.c
FUZZ_MAXLEN_ft_rx         := 16384
FUZZ_SRCS_madt            := arch/x86_64/acpi.c drivers/irq_route.c
FUZZ_MAXLEN_madt          := 1024
FUZZ_SRCS_acpi_walk       := arch/x86_64/acpi.c
FUZZ_MAXLEN_acpi_walk     := 2048
FUZZ_SRCS_config          := hv/lib/config.c
FUZZ_MAXLEN_config        := 4096
FUZZ_SRCS_guest_image     := hv/core/guest_image.c
FUZZ_MAXLEN_guest_image   := 256
FUZZ_SRCS_shell           := hv/core/shell_parse.c
FUZZ_MAXLEN_shell         := 1024
FUZZ_SRCS_base64          := hv/lib/base64.c
FUZZ_MAXLEN_base64        := 1024
FUZZ_SRCS_log_extract     := tools/log_extract.c hv/lib/base64.c
FUZZ_MAXLEN_log_extract   := 4096
FUZZ_SRCS_nic_rx          := drivers/e1000_rx.c
FUZZ_MAXLEN_nic_rx        := 512
FUZZ_SRCS_netbench_header := hv/bench/netbench_header.c
FUZZ_MAXLEN_netbench_header := 64
FUZZ_SRCS_iscsi_pdu       := net/iscsi/iscsi_frame.c net/iscsi/iscsi_pdu.c net/iscsi/iscsi_session.c \
	net/iscsi/iscsi_login.c net/iscsi/iscsi_keys.c net/iscsi/iscsi_chap.c hv/lib/crc32c.c \
	hv/lib/md5.c hv/lib/base64.c hv/lib/log.c hv/lib/log_format.c tests/unit/fakes/fake_serial.c
FUZZ_MAXLEN_iscsi_pdu     := 20000
FUZZ_SRCS_iscsi_keys      := net/iscsi/iscsi_keys.c net/iscsi/iscsi_chap.c hv/lib/base64.c hv/lib/md5.c
FUZZ_MAXLEN_iscsi_keys    := 2048

FUZZ_SRCS_virtq           := hv/devices/virtq.c
FUZZ_MAXLEN_virtq         := 16384
FUZZ_SRCS_virtio_blk      := hv/devices/virtio_blk.c hv/devices/virtio_pci.c hv/devices/blk_ramdisk.c \
	hv/devices/virtq.c hv/devices/vpci.c hv/lib/hash64.c
FUZZ_MAXLEN_virtio_blk    := 16384
FUZZ_SRCS_mmio_decode     := hv/vmx/mmio_decode.c
FUZZ_MAXLEN_mmio_decode   := 32

FUZZERS := log_decode ft_rx madt acpi_walk config guest_image shell base64 log_extract \
	nic_rx netbench_header iscsi_pdu iscsi_keys virtq virtio_blk mmio_decode
FUZZ_BINS := $(FUZZERS:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDER)

# One prerequisite line per fuzzer, then one build rule for all of them;
# each binary's headers land in BINARY.d (one rule per source, all for it).
$(foreach f,$(FUZZERS),$(eval $(FUZZ_DIR)/fuzz_$(f): tests/fuzz/fuzz_$(f).c $(FUZZ_SRCS_$(f))))

$(FUZZ_BINS):
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@$(FUZZ_CC) -I. -MM -MP -MT $@ $(filter %.c,$^) >$@.d
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@

$(FUZZ_SEEDER): tests/fuzz/make_seeds.c $(FUZZ_CODEC)
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@gcc -I. -MM -MP -MT $@ $(filter %.c,$^) >$@.d
	@gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I. $(filter %.c,$^) -o $@

-include $(FUZZ_BINS:=.d) $(FUZZ_SEEDER).d

# The corpora grow across runs; the seeds are copied in again each time.
# Fuzzers run one after the other, and all always run. A summary comes from
# libFuzzer's final statistics and its last status line:
# run_one NAME SECONDS MAX_LEN.
fuzz: $(FUZZ_BINS) $(FUZZ_SEEDER)
	@mkdir -p $(FUZZ_DIR)/artifacts $(FUZZERS:%=$(FUZZ_DIR)/corpus_%)
	@for f in $(FUZZERS); do \
		[ ! -d tests/fuzz/seeds/$$f ] || cp tests/fuzz/seeds/$$f/* $(FUZZ_DIR)/corpus_$$f/; \
	done
	@$(FUZZ_SEEDER) $(FUZZ_DIR)/corpus_log_decode
	@secs=$$(( $(FUZZ_SECONDS) / $(words $(FUZZERS)) )); \
	[ $$secs -ge $(FUZZ_MIN_SECONDS) ] || secs=$(FUZZ_MIN_SECONDS); \
	run_one() { \
		corpus=$(FUZZ_DIR)/corpus_$$1; log=$(FUZZ_DIR)/fuzz_$$1.log; \
		echo "  FUZZ fuzz_$$1 for $$2 s (log: $$log)"; \
		status=0; \
		$(FUZZ_DIR)/fuzz_$$1 -max_total_time=$$2 -rss_limit_mb=2048 -max_len=$$3 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/fuzz_$$1- \
			$$corpus >$$log 2>&1 || status=$$?; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
		rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log); \
		cov=$$(grep -o 'cov: [0-9]*' $$log | tail -1 | cut -d' ' -f2); \
		ft=$$(grep -o 'ft: [0-9]*' $$log | tail -1 | cut -d' ' -f2); \
		files=$$(ls $$corpus | wc -l); \
		if [ $$status -eq 0 ]; then result=PASS; else result=FAIL; fi; \
		echo "fuzz_$$1: $$result: $${runs:-?} runs, $${rate:-?} exec/s," \
			"coverage $${cov:-?} edges, $${ft:-?} features, corpus $$files inputs"; \
		if [ $$status -ne 0 ]; then \
			grep -E "ERROR|SUMMARY|fuzz_$$1:|Test unit written" $$log | head -20; \
		fi; \
		return $$status; \
	}; \
	rc=0; \
	$(foreach f,$(FUZZERS),run_one $(f) $$secs $(FUZZ_MAXLEN_$(f)) || rc=1;) \
	exit $$rc
