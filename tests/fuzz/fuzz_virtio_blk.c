/*
 * libFuzzer target for virtio-blk (hv/devices/virtio_blk.c, virtio_pci.c)
 * over the walker: 4 input bytes choose the ring's page (1, 2 or 3), the
 * number of notifications, and whether the guest resets the device between
 * them; the rest is guest RAM, in a buffer of exactly that size, over a
 * RAM disk of exactly its size (ASan sees any access past either).
 * Whatever the requests, the device must not crash, must finish every
 * request it takes (the RAM disk finishes at once), and after a failure
 * must take no more until a reset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/devices/blk_ramdisk.h"
#include "hv/devices/virtio_blk.h"
#include "tests/fuzz/fuzz_check.h"

#define HEADER 4
#define DISK_SECTORS 16
#define MAX_NOTIFIES 8

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_virtio_blk", what);
}

/* The console is not part of this test. */
void log_error(const char *subsys, const char *fmt, ...)
{
	(void)subsys;
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	static struct virtio_blk b;
	struct guest_mem m = { malloc(size - HEADER + 1), size - HEADER };
	uint8_t *disk = malloc(DISK_SECTORS * BLK_SECTOR_SIZE);
	if (!m.base || !disk)
		abort();
	memcpy(m.base, data + HEADER, m.size);
	struct blk_ramdisk rd;
	struct blk_backend be;
	blk_ramdisk_init(&rd, disk, DISK_SECTORS, &be);
	virtio_blk_init(&b, &m, &be, "fuzz");
	unsigned notifies = data[1] % MAX_NOTIFIES, resets = data[2];
	for (unsigned i = 0; i < notifies; i++) {
		if (i == 0 || (resets >> i & 1)) {
			virtio_pci_write(&b.pci, VIRTIO_PCI_STATUS, 1, 0);
			virtio_pci_write(&b.pci, VIRTIO_PCI_QUEUE_PFN, 4, 1u + data[0] % 3);
			virtio_pci_write(&b.pci, VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_DRIVER_OK);
		}
		int failed = (b.pci.status & VIRTIO_STATUS_NEEDS_RESET) != 0;
		uint64_t requests = b.requests;
		virtio_pci_write(&b.pci, VIRTIO_PCI_QUEUE_NOTIFY, 2, data[3] & 1);
		check(!failed || b.requests == requests, "a failed device took a request");
		check(virtio_blk_inflight(&b) == 0, "a request left in flight with a backend that finishes at once");
		check(rd.reads + rd.writes + rd.flushes <= b.requests, "more disk operations than requests");
	}
	free(disk);
	free(m.base);
	return 0;
}
