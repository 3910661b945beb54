/* Intel 82540EM ("e1000") driver: polled, one receive and one transmit ring. */
#ifndef FTV_DRIVERS_E1000_H
#define FTV_DRIVERS_E1000_H

#include "nic.h"

/* Finds the first 82540EM on PCI and brings it up. */
enum nic_probe_result e1000_probe(struct nic **out);

#endif
