#include "drivers/nic.h"

#include <string.h>

#include "drivers/e1000.h"
#include "hv/lib/log.h"

/* Drivers in the order they are tried; a virtio-net driver goes here too. */
static const struct nic_driver {
	const char *wants;
	enum nic_probe_result (*probe)(struct nic **out);
} drivers[] = {
	{ "Intel 82540EM 8086:100e", e1000_probe },
};

#define NDRIVERS (sizeof(drivers) / sizeof(drivers[0]))

struct nic *nic_probe(void)
{
	for (size_t i = 0; i < NDRIVERS; i++) {
		struct nic *nic = NULL;
		switch (drivers[i].probe(&nic)) {
		case NIC_PROBE_READY:
			return nic;
		case NIC_PROBE_FAILED:
			return NULL;        /* the driver said why */
		case NIC_PROBE_ABSENT:
			break;
		}
	}
	char wanted[128] = "";
	for (size_t i = 0; i < NDRIVERS; i++) {
		if (i)
			strncat(wanted, " or ", sizeof(wanted) - strlen(wanted) - 1);
		strncat(wanted, drivers[i].wants, sizeof(wanted) - strlen(wanted) - 1);
	}
	log_error("net", "no supported NIC found (want %s)", wanted);
	return NULL;
}
