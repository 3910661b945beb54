# Host tools, built with the host compiler from the same sources the
# hypervisor uses.
#
# Included by the top-level Makefile, which runs from the project root; it
# also works alone:  make -f tools/tools.mk BUILD=build

BUILD ?= build

TOOLS_DIR    := $(BUILD)/tools
TOOLS_CC     := gcc
TOOLS_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I.

FTVLOG := $(TOOLS_DIR)/ftvlog
FTVLOG_SRCS := tools/ftvlog.c tools/log_extract.c hv/eventlog/log_codec.c hv/eventlog/log_diff.c \
	hv/lib/crc32c.c hv/lib/base64.c
FTVLOG_HDRS := tools/log_extract.h hv/eventlog/log_dump.h hv/eventlog/log_codec.h \
	hv/eventlog/log_diff.h hv/lib/crc32c.h hv/eventlog/event.h hv/lib/base64.h

.PHONY: tools
tools: $(FTVLOG)

$(FTVLOG): $(FTVLOG_SRCS) $(FTVLOG_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC (host) $@"
	@$(TOOLS_CC) $(TOOLS_CFLAGS) $(FTVLOG_SRCS) -o $@
