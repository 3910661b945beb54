/* Checking a guest image against the ABI in guest_abi.h. Pure. */
#ifndef FTV_GUEST_IMAGE_H
#define FTV_GUEST_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hv/core/guest_abi.h"

/* The lowest address an image may load at: below it live the command line
 * page and whatever real-mode structures a guest may want. */
#define GUEST_IMAGE_MIN_LOAD 0x8000u

/* 0 and the header, or -1 and a message naming the problem. */
int guest_image_check(const void *data, uint64_t size, uint64_t ram_size,
		      struct ftv_guest_header *hdr, char *why, size_t why_size);

#endif
