# The host-side iSCSI initiator (tests/iscsi/host_initiator.c): net/iscsi
# built with the host compiler over a POSIX socket, for the host_ system
# cases against Debian's tgtd. Included by the top-level Makefile.

BUILD ?= build

ISCSI_HOST := $(BUILD)/iscsi/host_initiator
ISCSI_HOST_SRCS := tests/iscsi/host_initiator.c tests/iscsi/host_log.c net/iscsi/iscsi_session.c \
	net/iscsi/iscsi_login.c net/iscsi/iscsi_pdu.c net/iscsi/iscsi_frame.c net/iscsi/iscsi_keys.c \
	net/iscsi/iscsi_chap.c net/iscsi/iscsi_isid.c net/iscsi/scsi_cdb.c net/iscsi/scsi_sense.c \
	hv/lib/crc32c.c hv/lib/md5.c hv/lib/base64.c hv/lib/hash64.c hv/lib/log.c hv/lib/log_format.c

$(ISCSI_HOST): $(ISCSI_HOST_SRCS) $(wildcard net/iscsi/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC (host) $@"
	@gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. $(ISCSI_HOST_SRCS) -o $@

.PHONY: iscsi-host
iscsi-host: $(ISCSI_HOST)
