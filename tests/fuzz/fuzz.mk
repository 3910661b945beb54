# Fuzzing with libFuzzer (clang, ASan + UBSan): the log decoder
# (fuzz_log_decode), the logging channel's stream reassembly (fuzz_ft_rx) and
# the ACPI MADT parser with the interrupt-routing candidates (fuzz_madt).
#
# Included by the top-level Makefile, which runs from the project root; it
# also works alone:  make -f tests/fuzz/fuzz.mk BUILD=build fuzz
#
#   fuzz        seeds the log decoder's corpus, runs each fuzzer in turn for
#               a third of FUZZ_SECONDS and prints one summary line per fuzzer;
#               fails if any found a crash (the input lands in
#               $(BUILD)/fuzz/artifacts, named after the fuzzer)
#   fuzz-build  only builds the fuzzers and the seed writer

BUILD ?= build
FUZZ_SECONDS ?= 30

FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_CC     := clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wextra -Werror -I.
FUZZ_CODEC  := hv/eventlog/log_codec.c hv/lib/crc32c.c
FUZZ_HDRS   := hv/eventlog/log_codec.h hv/lib/crc32c.h hv/eventlog/event.h
FUZZ_BIN    := $(FUZZ_DIR)/fuzz_log_decode
FUZZ_SEEDER := $(FUZZ_DIR)/make_seeds
FUZZ_RX_SRCS := net/ft_proto.c
FUZZ_RX_HDRS := net/ft_proto.h hv/lib/le_bytes.h
FUZZ_RX_BIN  := $(FUZZ_DIR)/fuzz_ft_rx
FUZZ_MADT_SRCS := arch/x86_64/acpi.c drivers/irq_route.c
FUZZ_MADT_HDRS := arch/x86_64/acpi.h drivers/irq_route.h
FUZZ_MADT_BIN  := $(FUZZ_DIR)/fuzz_madt

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN) $(FUZZ_SEEDER) $(FUZZ_RX_BIN) $(FUZZ_MADT_BIN)

$(FUZZ_BIN): tests/fuzz/fuzz_log_decode.c $(FUZZ_CODEC) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_log_decode.c $(FUZZ_CODEC) -o $@

$(FUZZ_SEEDER): tests/fuzz/make_seeds.c $(FUZZ_CODEC) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I. tests/fuzz/make_seeds.c $(FUZZ_CODEC) -o $@

$(FUZZ_RX_BIN): tests/fuzz/fuzz_ft_rx.c $(FUZZ_RX_SRCS) $(FUZZ_RX_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_ft_rx.c $(FUZZ_RX_SRCS) -o $@

$(FUZZ_MADT_BIN): tests/fuzz/fuzz_madt.c $(FUZZ_MADT_SRCS) $(FUZZ_MADT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_madt.c $(FUZZ_MADT_SRCS) -o $@

# The corpora grow across runs; the decoder's seeds are rewritten each time.
# Each fuzzer gets a third of FUZZ_SECONDS (at least 1 s), one after the
# other, and all always run. A summary comes from libFuzzer's final statistics and
# its last status line: run_one NAME BINARY CORPUS LOG MAX_LEN.
fuzz: $(FUZZ_BIN) $(FUZZ_SEEDER) $(FUZZ_RX_BIN) $(FUZZ_MADT_BIN)
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/corpus_ft_rx $(FUZZ_DIR)/corpus_madt $(FUZZ_DIR)/artifacts
	@$(FUZZ_SEEDER) $(FUZZ_DIR)/corpus
	@secs=$$(( $(FUZZ_SECONDS) / 3 )); [ $$secs -ge 1 ] || secs=1; \
	run_one() { \
		echo "  FUZZ $$2 for $$secs s (log: $$4)"; \
		status=0; \
		$$2 -max_total_time=$$secs -rss_limit_mb=2048 -max_len=$$5 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$1- \
			$$3 >$$4 2>&1 || status=$$?; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$4); \
		rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$4); \
		cov=$$(grep -o 'cov: [0-9]*' $$4 | tail -1 | cut -d' ' -f2); \
		ft=$$(grep -o 'ft: [0-9]*' $$4 | tail -1 | cut -d' ' -f2); \
		files=$$(ls $$3 | wc -l); \
		if [ $$status -eq 0 ]; then result=PASS; else result=FAIL; fi; \
		echo "$$1: $$result: $${runs:-?} runs, $${rate:-?} exec/s," \
			"coverage $${cov:-?} edges, $${ft:-?} features, corpus $$files inputs"; \
		if [ $$status -ne 0 ]; then \
			grep -E "ERROR|SUMMARY|$$1:|Test unit written" $$4 | head -20; \
		fi; \
		return $$status; \
	}; \
	rc=0; \
	run_one fuzz_log_decode $(FUZZ_BIN) $(FUZZ_DIR)/corpus $(FUZZ_DIR)/fuzz.log 8192 || rc=1; \
	run_one fuzz_ft_rx $(FUZZ_RX_BIN) $(FUZZ_DIR)/corpus_ft_rx $(FUZZ_DIR)/fuzz_ft_rx.log \
		16384 || rc=1; \
	run_one fuzz_madt $(FUZZ_MADT_BIN) $(FUZZ_DIR)/corpus_madt $(FUZZ_DIR)/fuzz_madt.log \
		1024 || rc=1; \
	exit $$rc
