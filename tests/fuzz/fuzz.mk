# Fuzzing the log decoder with libFuzzer (clang, ASan + UBSan).
#
# Included by the top-level Makefile, which runs from the project root; it
# also works alone:  make -f tests/fuzz/fuzz.mk BUILD=build fuzz
#
#   fuzz        seeds the corpus, runs the fuzzer for FUZZ_SECONDS and
#               prints one summary line; fails if the fuzzer found a crash
#               (the input lands in $(BUILD)/fuzz/artifacts)
#   fuzz-build  only builds the fuzzer and the seed writer

BUILD ?= build
FUZZ_SECONDS ?= 30

FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_CC     := clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wextra -Werror -I.
FUZZ_CODEC  := hv/log_codec.c hv/crc32c.c
FUZZ_HDRS   := hv/log_codec.h hv/crc32c.h hv/event.h
FUZZ_BIN    := $(FUZZ_DIR)/fuzz_log_decode
FUZZ_SEEDER := $(FUZZ_DIR)/make_seeds

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN) $(FUZZ_SEEDER)

$(FUZZ_BIN): tests/fuzz/fuzz_log_decode.c $(FUZZ_CODEC) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_log_decode.c $(FUZZ_CODEC) -o $@

$(FUZZ_SEEDER): tests/fuzz/make_seeds.c $(FUZZ_CODEC) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $@"
	@gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I. tests/fuzz/make_seeds.c $(FUZZ_CODEC) -o $@

# The corpus grows across runs; the seeds are rewritten each time. The
# summary comes from libFuzzer's final statistics and its last status line.
fuzz: $(FUZZ_BIN) $(FUZZ_SEEDER)
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	@$(FUZZ_SEEDER) $(FUZZ_DIR)/corpus
	@echo "  FUZZ $(FUZZ_BIN) for $(FUZZ_SECONDS) s (log: $(FUZZ_DIR)/fuzz.log)"
	@status=0; \
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/ \
		$(FUZZ_DIR)/corpus >$(FUZZ_DIR)/fuzz.log 2>&1 || status=$$?; \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/fuzz.log); \
	rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $(FUZZ_DIR)/fuzz.log); \
	cov=$$(grep -o 'cov: [0-9]*' $(FUZZ_DIR)/fuzz.log | tail -1 | cut -d' ' -f2); \
	ft=$$(grep -o 'ft: [0-9]*' $(FUZZ_DIR)/fuzz.log | tail -1 | cut -d' ' -f2); \
	files=$$(ls $(FUZZ_DIR)/corpus | wc -l); \
	if [ $$status -eq 0 ]; then result=PASS; else result=FAIL; fi; \
	echo "fuzz_log_decode: $$result: $${runs:-?} runs, $${rate:-?} exec/s," \
		"coverage $${cov:-?} edges, $${ft:-?} features, corpus $$files inputs"; \
	if [ $$status -ne 0 ]; then \
		grep -E 'ERROR|SUMMARY|fuzz_log_decode:|Test unit written' $(FUZZ_DIR)/fuzz.log | head -20; \
	fi; \
	exit $$status
