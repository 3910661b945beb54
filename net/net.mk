# lwIP 2.1.3, built from Debian's source (scripts/setup.sh puts it under
# $(DEPS)/lwip) into $(BUILD)/obj/lwip, and the include paths that
# ftvisor's own network code needs. Included by the top-level Makefile.
#
# The files are named rather than globbed: on a fresh tree the source does
# not exist yet when make reads this, and these are the ones that hold code
# for our options (lwipopts.h): DHCP, but no DNS, raw sockets, IGMP or IPv6.

LWIP_SRC := $(DEPS)/lwip/src
LWIP_FILES := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/stats.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	core/ipv4/ip4_frag.c \
	netif/ethernet.c
LWIP_SRCS := $(addprefix $(LWIP_SRC)/,$(LWIP_FILES))
NET_OBJS := $(LWIP_FILES:%.c=$(BUILD)/obj/lwip/%.o)

# Every core file may include lwIP's headers (the network code, the FT
# channel); lwipopts.h and arch/cc.h live in net/lwip.
CORE_CFLAGS += -I net/lwip -I $(LWIP_SRC)/include

# Third-party code: warnings are shown, never fatal.
LWIP_CFLAGS = $(CORE_CFLAGS) -Wno-error

# The sources appear once set-up has fetched them.
$(LWIP_SRCS): | $(SETUP_STAMP)

$(BUILD)/obj/lwip/%.o: $(LWIP_SRC)/%.c net/lwip/lwipopts.h net/lwip/arch/cc.h | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC (lwip) $*.c"
	@$(CC) $(LWIP_CFLAGS) -c $< -o $@

-include $(NET_OBJS:.o=.d)
