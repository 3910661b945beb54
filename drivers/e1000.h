/* Intel 82540EM ("e1000") driver: one receive and one transmit ring,
 * polled; its interrupt says when to poll. */
#ifndef FTV_DRIVERS_E1000_H
#define FTV_DRIVERS_E1000_H

#include "drivers/nic.h"

/* Finds the first 82540EM on PCI and brings it up. */
enum nic_probe_result e1000_probe(struct nic **out);

#endif
