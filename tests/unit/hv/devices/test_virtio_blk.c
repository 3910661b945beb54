/*
 * hv/devices/virtio_blk.c and virtio_pci.c: a virtio-blk disk on the
 * virtual PCI bus, driven as a legacy guest driver would (enumerate, size
 * and place BAR0, negotiate, set up the queue, make requests) against a
 * RAM disk, and against a backend that finishes later.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/devices/virtio_blk.h"

#include "hv/devices/blk_ramdisk.h"
#include "hv/lib/hash64.h"
#include "tests/unit/fakes/fake_serial.h"
#include "tests/unit/support/virtq_driver.h"
#include "hv/devices/vioapic.h"

#define RAM_SIZE (1u << 20)
#define DISK_SECTORS 64
#define IO_BASE 0xc000
#define RING_GPA 0x10000
#define HDR_GPA 0x20000
#define DATA_GPA 0x21000
#define STATUS_GPA 0x23000
#define EXPECTED_FEATURES (1u << VIRTIO_BLK_F_SEG_MAX | 1u << VIRTIO_BLK_F_BLK_SIZE | 1u << VIRTIO_BLK_F_FLUSH)

struct fixture {
	uint8_t *ram, *disk;
	struct guest_mem mem;
	struct vpci bus;
	struct blk_ramdisk rd;
	struct virtio_blk blk;
	struct virtq_driver d;
	uint16_t next_desc;
};

static uint32_t cfg_read(struct fixture *f, unsigned reg, unsigned size)
{
	vpci_config_write(&f->bus, PCI_CONFIG_ADDRESS_PORT, 4,
			  PCI_CONFIG_ENABLE | VIRTIO_BLK_SLOT << PCI_ADDR_DEV_SHIFT | (reg & ~3u));
	return vpci_config_read(&f->bus, (uint16_t)(PCI_CONFIG_DATA_PORT + (reg & 3)), size);
}

static void cfg_write(struct fixture *f, unsigned reg, unsigned size, uint32_t v)
{
	vpci_config_write(&f->bus, PCI_CONFIG_ADDRESS_PORT, 4,
			  PCI_CONFIG_ENABLE | VIRTIO_BLK_SLOT << PCI_ADDR_DEV_SHIFT | (reg & ~3u));
	vpci_config_write(&f->bus, (uint16_t)(PCI_CONFIG_DATA_PORT + (reg & 3)), size, v);
}

/* Port I/O into BAR0, as the guest's IN/OUT would arrive. */
static uint32_t io_in(struct fixture *f, unsigned reg, unsigned size)
{
	uint32_t v = 0;
	assert_int_equal(vpci_bar_read(&f->bus, (uint16_t)(IO_BASE + reg), size, &v), 1);
	return v;
}

static void io_out(struct fixture *f, unsigned reg, unsigned size, uint32_t v)
{
	assert_int_equal(vpci_bar_write(&f->bus, (uint16_t)(IO_BASE + reg), size, v), 1);
}

static void bring_up(struct fixture *f, const struct blk_backend *backend)
{
	vpci_init(&f->bus);
	virtio_blk_init(&f->blk, &f->mem, backend, "ftv-disk-0");
	assert_int_equal(virtio_blk_attach(&f->blk, &f->bus), 0);
	cfg_write(f, PCI_BAR0, 4, IO_BASE);
	cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_IO);
}

/* A legacy driver's initialisation: acknowledge, features, the queue, DRIVER_OK. */
static void driver_init(struct fixture *f)
{
	io_out(f, VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	io_out(f, VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	io_out(f, VIRTIO_PCI_GUEST_FEATURES, 4, io_in(f, VIRTIO_PCI_HOST_FEATURES, 4));
	io_out(f, VIRTIO_PCI_QUEUE_SEL, 2, 0);
	uint16_t size = (uint16_t)io_in(f, VIRTIO_PCI_QUEUE_NUM, 2);
	assert_int_equal(size, VIRTIO_BLK_QUEUE_SIZE);
	/* A fresh ring, zeroed, as a driver allocates it. */
	memset(f->ram + RING_GPA, 0, virtq_legacy_bytes(size));
	io_out(f, VIRTIO_PCI_QUEUE_PFN, 4, RING_GPA >> VIRTIO_PCI_QUEUE_PFN_SHIFT);
	vqd_init(&f->d, &f->mem, RING_GPA, size);
	f->next_desc = 0;
	io_out(f, VIRTIO_PCI_STATUS, 1,
	       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->ram = calloc(1, RAM_SIZE);
	f->disk = calloc(DISK_SECTORS, BLK_SECTOR_SIZE);
	f->mem = (struct guest_mem){ f->ram, RAM_SIZE };
	struct blk_backend be;
	blk_ramdisk_init(&f->rd, f->disk, DISK_SECTORS, &be);
	bring_up(f, &be);
	driver_init(f);
	fake_console_reset();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->disk);
	free(f->ram);
	free(f);
	return 0;
}

/* Makes a request available and notifies: a header, 'nbufs' data buffers
 * of 'len' bytes each at DATA_GPA (device-writable when 'in'), a status
 * byte preset to 0xff. Returns the head. */
static uint16_t request(struct fixture *f, uint32_t type, uint64_t sector, unsigned nbufs,
			uint32_t len, int in)
{
	uint8_t *h = f->ram + HDR_GPA;
	memset(h, 0, VIRTIO_BLK_HEADER_BYTES);
	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	f->ram[STATUS_GPA] = 0xff;
	uint16_t head = f->next_desc, i = head;
	vqd_desc(&f->d, i, HDR_GPA, VIRTIO_BLK_HEADER_BYTES, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	for (unsigned k = 0; k < nbufs; k++) {
		i++;
		vqd_desc(&f->d, i, DATA_GPA + k * len, len,
			 VIRTQ_DESC_F_NEXT | (in ? VIRTQ_DESC_F_WRITE : 0), (uint16_t)(i + 1));
	}
	i++;
	vqd_desc(&f->d, i, STATUS_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	f->next_desc = (uint16_t)((i + 1) % VIRTIO_BLK_QUEUE_SIZE);
	vqd_avail(&f->d, head);
	io_out(f, VIRTIO_PCI_QUEUE_NOTIFY, 2, 0);
	return head;
}

static void assert_used(struct fixture *f, uint16_t n, uint16_t head, uint32_t len)
{
	uint32_t id, ulen;
	assert_true(vqd_used_idx(&f->d) > n);
	vqd_used(&f->d, n, &id, &ulen);
	assert_int_equal(id, head);
	assert_int_equal(ulen, len);
}

/* What enumeration sees: the transitional virtio-blk ids, revision 0 (the
 * legacy ABI), the subsystem id naming a block device, INTA, a 64-byte
 * I/O BAR0. */
static void test_pci_identity(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(cfg_read(f, PCI_VENDOR_ID, 4), 0x1001u << 16 | VIRTIO_PCI_VENDOR);
	assert_int_equal(cfg_read(f, PCI_REVISION_ID, 1), 0);
	assert_int_equal(cfg_read(f, PCI_SUBSYSTEM_ID, 2), VIRTIO_ID_BLOCK);
	assert_int_equal(cfg_read(f, PCI_SUBSYSTEM_VENDOR_ID, 2), VIRTIO_PCI_VENDOR);
	assert_int_equal(cfg_read(f, PCI_CLASS_SUB, 2), PCI_CLASS_STORAGE << 8 | PCI_SUBCLASS_STORAGE_OTHER);
	assert_int_equal(cfg_read(f, PCI_INTERRUPT_PIN, 1), PCI_INTERRUPT_PIN_INTA);
	assert_int_equal(cfg_read(f, PCI_INTERRUPT_LINE, 1), 17); /* GSI 16 + (slot 1 + INTA - 1) % 4 */
	cfg_write(f, PCI_BAR0, 4, 0xffffffff);
	assert_int_equal(cfg_read(f, PCI_BAR0, 4), ~(uint32_t)(VIRTIO_PCI_BAR_SIZE - 1) | PCI_BAR_IO);
}

/* The offer is SEG_MAX, BLK_SIZE, FLUSH and nothing else (no indirect
 * descriptors); the guest keeps only what was offered; the configuration
 * reads the same by bytes and by dwords. */
static void test_negotiation_and_config(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(io_in(f, VIRTIO_PCI_HOST_FEATURES, 4), EXPECTED_FEATURES);
	assert_false(io_in(f, VIRTIO_PCI_HOST_FEATURES, 4) & 1u << VIRTIO_RING_F_INDIRECT_DESC);
	io_out(f, VIRTIO_PCI_GUEST_FEATURES, 4, 0xffffffff);
	assert_int_equal(io_in(f, VIRTIO_PCI_GUEST_FEATURES, 4), EXPECTED_FEATURES);
	io_out(f, VIRTIO_PCI_GUEST_FEATURES, 4, 1u << VIRTIO_BLK_F_FLUSH);
	assert_int_equal(io_in(f, VIRTIO_PCI_GUEST_FEATURES, 4), 1u << VIRTIO_BLK_F_FLUSH);
	io_out(f, VIRTIO_PCI_HOST_FEATURES, 4, 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_HOST_FEATURES, 4), EXPECTED_FEATURES);
	unsigned cfg = VIRTIO_PCI_CONFIG;
	assert_int_equal(io_in(f, cfg + VIRTIO_BLK_CFG_CAPACITY, 4), DISK_SECTORS);
	assert_int_equal(io_in(f, cfg + VIRTIO_BLK_CFG_CAPACITY + 4, 4), 0);
	assert_int_equal(io_in(f, cfg + VIRTIO_BLK_CFG_SEG_MAX, 4), VIRTIO_BLK_QUEUE_SIZE - 2);
	assert_int_equal(io_in(f, cfg + VIRTIO_BLK_CFG_BLK_SIZE, 1), BLK_SECTOR_SIZE & 0xff);
	assert_int_equal(io_in(f, cfg + VIRTIO_BLK_CFG_BLK_SIZE + 1, 1), BLK_SECTOR_SIZE >> 8);
	assert_int_equal(io_in(f, VIRTIO_PCI_QUEUE_PFN, 4), RING_GPA >> VIRTIO_PCI_QUEUE_PFN_SHIFT);
	/* A queue that does not exist has size 0 and keeps no address. */
	io_out(f, VIRTIO_PCI_QUEUE_SEL, 2, 1);
	assert_int_equal(io_in(f, VIRTIO_PCI_QUEUE_NUM, 2), 0);
	io_out(f, VIRTIO_PCI_QUEUE_PFN, 4, 0x40);
	assert_int_equal(io_in(f, VIRTIO_PCI_QUEUE_PFN, 4), 0);
}

/* Status 0 resets: features, queue, status and ISR back to 0. */
static void test_reset(void **state)
{
	struct fixture *f = *state;
	uint64_t fresh_hash;
	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_not_equal(io_in(f, VIRTIO_PCI_STATUS, 1), 0);
	io_out(f, VIRTIO_PCI_STATUS, 1, 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_STATUS, 1), 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_ISR, 1), 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_GUEST_FEATURES, 4), 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_QUEUE_PFN, 4), 0);
	assert_int_equal(f->blk.pci.vq[0].last_avail, 0);
	/* A notification without a queue does nothing. */
	io_out(f, VIRTIO_PCI_QUEUE_NOTIFY, 2, 0);
	assert_int_equal(f->blk.requests, 1);
	/* After a reset the device is as after power-on. */
	struct fixture g = *f;
	struct blk_backend be;
	blk_ramdisk_init(&g.rd, f->disk, DISK_SECTORS, &be);
	bring_up(&g, &be);
	fresh_hash = virtio_blk_hash(HASH64_SEED, &g.blk);
	assert_true(virtio_blk_hash(HASH64_SEED, &f->blk) == fresh_hash);
	driver_init(f);
	assert_true(virtio_blk_hash(HASH64_SEED, &f->blk) != fresh_hash);
}

/* A write of two sectors in two buffers lands on the disk; reading them
 * back into guest memory returns them; the used ring and the ISR say so. */
static void test_write_then_read(void **state)
{
	struct fixture *f = *state;
	uint8_t pattern[2 * BLK_SECTOR_SIZE];
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	memcpy(f->ram + DATA_GPA, pattern, sizeof(pattern));
	uint16_t w = request(f, VIRTIO_BLK_T_OUT, 5, 2, BLK_SECTOR_SIZE, 0);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_OK);
	assert_used(f, 0, w, 1);
	assert_memory_equal(f->disk + 5 * BLK_SECTOR_SIZE, pattern, sizeof(pattern));
	assert_int_equal(f->rd.writes, 1);
	assert_int_equal(io_in(f, VIRTIO_PCI_ISR, 1), VIRTIO_ISR_QUEUE);
	assert_int_equal(io_in(f, VIRTIO_PCI_ISR, 1), 0);

	memset(f->ram + DATA_GPA, 0, 2 * BLK_SECTOR_SIZE);
	uint16_t r = request(f, VIRTIO_BLK_T_IN, 5, 1, 2 * BLK_SECTOR_SIZE, 1);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_OK);
	assert_used(f, 1, r, 2 * BLK_SECTOR_SIZE + 1);
	assert_memory_equal(f->ram + DATA_GPA, pattern, sizeof(pattern));
	assert_int_equal(f->rd.reads, 1);
	assert_int_equal(f->blk.io_errors, 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_ISR, 1), VIRTIO_ISR_QUEUE);
	/* The guest asked for no interrupt: none is raised. */
	vqd_set_avail_flags(&f->d, VIRTQ_AVAIL_F_NO_INTERRUPT);
	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_ISR, 1), 0);
	assert_int_equal(f->rd.flushes, 1);
}

/* Requests the disk refuses, with the device still live: past the end,
 * not whole sectors, an unknown type; GET_ID answers the serial. */
static void test_refused_requests(void **state)
{
	struct fixture *f = *state;
	request(f, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 1, 2 * BLK_SECTOR_SIZE, 1);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_IOERR);
	assert_used(f, 0, 0, 1);
	request(f, VIRTIO_BLK_T_OUT, UINT64_MAX, 1, BLK_SECTOR_SIZE, 0);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_IOERR);
	request(f, VIRTIO_BLK_T_OUT, 0, 1, 100, 0);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_IOERR);
	request(f, 77, 0, 0, 0, 0);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(f->rd.reads + f->rd.writes, 0);
	uint16_t id = request(f, VIRTIO_BLK_T_GET_ID, 0, 1, 32, 1);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_OK);
	assert_memory_equal(f->ram + DATA_GPA, "ftv-disk-0\0\0\0\0\0\0\0\0\0", VIRTIO_BLK_ID_BYTES);
	assert_used(f, 4, id, VIRTIO_BLK_ID_BYTES + 1);
	assert_int_equal(f->blk.io_errors, 4);
	assert_false(io_in(f, VIRTIO_PCI_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
	/* The capacity itself is in range: the last sector reads. */
	request(f, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 1, BLK_SECTOR_SIZE, 1);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_OK);
}

static void assert_failed(struct fixture *f, const char *why)
{
	assert_true(io_in(f, VIRTIO_PCI_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(io_in(f, VIRTIO_PCI_ISR, 1) & VIRTIO_ISR_CONFIG);
	assert_int_equal(fake_console_count(why), 1);
	assert_int_equal(vqd_used_idx(&f->d), 0);
	/* A failed device takes no more requests until a reset. */
	uint64_t before = f->blk.requests;
	io_out(f, VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_DRIVER_OK);
	assert_true(io_in(f, VIRTIO_PCI_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal(f->blk.requests, before);
	io_out(f, VIRTIO_PCI_STATUS, 1, 0);
	driver_init(f);
	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_OK);
}

/* Malformed chains fail the device, with the reason on the console. */
static void test_malformed_header(void **state)
{
	struct fixture *f = *state;
	vqd_desc(&f->d, 0, HDR_GPA, VIRTIO_BLK_HEADER_BYTES, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	vqd_desc(&f->d, 1, STATUS_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	vqd_avail(&f->d, 0);
	io_out(f, VIRTIO_PCI_QUEUE_NOTIFY, 2, 0);
	assert_failed(f, "malformed request: no read-only header descriptor");
}

static void test_malformed_status(void **state)
{
	struct fixture *f = *state;
	vqd_desc(&f->d, 0, HDR_GPA, VIRTIO_BLK_HEADER_BYTES, VIRTQ_DESC_F_NEXT, 1);
	vqd_desc(&f->d, 1, DATA_GPA, BLK_SECTOR_SIZE, 0, 0);
	vqd_avail(&f->d, 0);
	io_out(f, VIRTIO_PCI_QUEUE_NOTIFY, 2, 0);
	assert_failed(f, "no device-writable status descriptor");
}

static void test_malformed_direction(void **state)
{
	struct fixture *f = *state;
	request(f, VIRTIO_BLK_T_IN, 0, 1, BLK_SECTOR_SIZE, 0);
	assert_int_equal(f->ram[STATUS_GPA], 0xff);
	assert_int_equal(f->rd.reads, 0);
	assert_failed(f, "a read-only buffer where the device writes");
}

static void test_malformed_queue(void **state)
{
	struct fixture *f = *state;
	vqd_desc(&f->d, 0, HDR_GPA, VIRTIO_BLK_HEADER_BYTES, VIRTQ_DESC_F_NEXT, 1);
	vqd_desc(&f->d, 1, STATUS_GPA, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	vqd_avail(&f->d, 0);
	io_out(f, VIRTIO_PCI_QUEUE_NOTIFY, 2, 0);
	assert_failed(f, "request queue: descriptor loop");
}

static void test_buffer_outside_ram(void **state)
{
	struct fixture *f = *state;
	vqd_desc(&f->d, 0, HDR_GPA, VIRTIO_BLK_HEADER_BYTES, VIRTQ_DESC_F_NEXT, 1);
	vqd_desc(&f->d, 1, RAM_SIZE - 256, BLK_SECTOR_SIZE, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	vqd_desc(&f->d, 2, STATUS_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	vqd_avail(&f->d, 0);
	io_out(f, VIRTIO_PCI_QUEUE_NOTIFY, 2, 0);
	assert_failed(f, "request queue: buffer outside guest RAM");
}

/* A backend that keeps every request for later. */
struct deferred {
	uint32_t tags[8];
	unsigned count;
};

static int defer(void *ctx, const struct blk_request *r)
{
	struct deferred *d = ctx;
	d->tags[d->count++] = r->tag;
	return BLK_PENDING;
}

static const struct blk_backend_ops deferred_ops = { defer };

/* Requests the backend holds complete later, in any order; a tag that is
 * not in flight (twice, or from before a reset) is refused. */
static void test_deferred_completion(void **state)
{
	struct fixture *f = *state;
	struct deferred dq = { .count = 0 };
	struct blk_backend be = { &deferred_ops, &dq, DISK_SECTORS };
	bring_up(f, &be);
	driver_init(f);
	uint16_t a = request(f, VIRTIO_BLK_T_OUT, 0, 1, BLK_SECTOR_SIZE, 0);
	uint16_t b = request(f, VIRTIO_BLK_T_IN, 1, 1, BLK_SECTOR_SIZE, 1);
	assert_int_equal(dq.count, 2);
	assert_int_equal(virtio_blk_inflight(&f->blk), 2);
	assert_int_equal(vqd_used_idx(&f->d), 0);
	assert_int_equal(virtio_blk_complete(&f->blk, dq.tags[1], VIRTIO_BLK_S_OK), 0);
	assert_used(f, 0, b, BLK_SECTOR_SIZE + 1);
	assert_int_equal(virtio_blk_complete(&f->blk, dq.tags[0], VIRTIO_BLK_S_IOERR), 0);
	assert_used(f, 1, a, 1);
	assert_int_equal(virtio_blk_inflight(&f->blk), 0);
	assert_int_equal(virtio_blk_complete(&f->blk, dq.tags[0], VIRTIO_BLK_S_OK), -1);
	/* In flight across a reset: the old tag no longer names anything. */
	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	uint64_t busy_hash = virtio_blk_hash(HASH64_SEED, &f->blk);
	io_out(f, VIRTIO_PCI_STATUS, 1, 0);
	assert_true(virtio_blk_hash(HASH64_SEED, &f->blk) != busy_hash);
	driver_init(f);
	/* The new request takes the same head as the stale one. */
	f->next_desc = (uint16_t)dq.tags[2];
	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal((uint16_t)dq.tags[3], (uint16_t)dq.tags[2]);
	assert_int_equal(virtio_blk_complete(&f->blk, dq.tags[2], VIRTIO_BLK_S_OK), -1);
	assert_int_equal(vqd_used_idx(&f->d), 0);
	assert_int_equal(virtio_blk_complete(&f->blk, dq.tags[3], VIRTIO_BLK_S_OK), 0);
	assert_int_equal(vqd_used_idx(&f->d), 1);
	assert_int_equal(fake_console_count("not in flight"), 2);
}

/* A disk of no medium (what the hypervisor attaches until shared storage
 * comes): capacity 0, every read or write an I/O error, a flush fine. */
static void test_no_medium(void **state)
{
	struct fixture *f = *state;
	struct blk_ramdisk none;
	struct blk_backend be;
	blk_ramdisk_init(&none, NULL, 0, &be);
	bring_up(f, &be);
	driver_init(f);
	assert_int_equal(io_in(f, VIRTIO_PCI_CONFIG + VIRTIO_BLK_CFG_CAPACITY, 4), 0);
	request(f, VIRTIO_BLK_T_IN, 0, 1, BLK_SECTOR_SIZE, 1);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_IOERR);
	request(f, VIRTIO_BLK_T_OUT, 0, 1, BLK_SECTOR_SIZE, 0);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_IOERR);
	request(f, VIRTIO_BLK_T_IN, 0, 0, 0, 1);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_OK);
	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal(f->ram[STATUS_GPA], VIRTIO_BLK_S_OK);
	assert_int_equal(none.flushes, 1);
}

/* Only the registers' own widths write; others are ignored. */
static void test_register_widths(void **state)
{
	struct fixture *f = *state;
	io_out(f, VIRTIO_PCI_STATUS, 2, 0);
	assert_int_not_equal(io_in(f, VIRTIO_PCI_STATUS, 1), 0);
	io_out(f, VIRTIO_PCI_GUEST_FEATURES, 2, 0);
	assert_int_equal(io_in(f, VIRTIO_PCI_GUEST_FEATURES, 4), EXPECTED_FEATURES);
	assert_int_equal(f->blk.pci.ignored_accesses, 2);
	assert_int_equal(io_in(f, VIRTIO_PCI_QUEUE_NUM, 4), VIRTIO_BLK_QUEUE_SIZE);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* INTA through an I/O APIC (level, unmasked, at the pin the Interrupt Line
 * names): a completion asserts it and delivers once, reading the ISR
 * releases it, so the EOI does not deliver again; a new completion does. */
static uint8_t delivered[8];
static unsigned ndelivered;

static void to_lapic(void *ctx, uint8_t vector)
{
	(void)ctx;
	if (ndelivered < sizeof(delivered))
		delivered[ndelivered] = vector;
	ndelivered++;
}

static void to_ioapic(void *ctx, int asserted)
{
	struct vioapic *a = ctx;
	vioapic_set_line(a, vpci_intx_gsi(VIRTIO_BLK_SLOT, PCI_INTERRUPT_PIN_INTA), asserted);
}

static void test_intx_through_the_ioapic(void **state)
{
	struct fixture *f = *state;
	struct vioapic a = { .deliver = to_lapic };
	unsigned gsi = cfg_read(f, PCI_INTERRUPT_LINE, 1);
	ndelivered = 0;
	vioapic_reset(&a);
	vioapic_write(&a, VIOAPIC_IOREGSEL, VIOAPIC_REG_REDIR + 2 * gsi);
	vioapic_write(&a, VIOAPIC_IOWIN, 0x51 | VIOAPIC_RTE_LEVEL);
	virtio_pci_wire_intx(&f->blk.pci, to_ioapic, &a);
	assert_int_equal(ndelivered, 0);

	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal(ndelivered, 1);
	assert_int_equal(delivered[0], 0x51);
	assert_true(a.line & (1u << gsi));
	assert_int_equal(io_in(f, VIRTIO_PCI_ISR, 1), VIRTIO_ISR_QUEUE);
	assert_false(a.line & (1u << gsi));
	vioapic_eoi(&a, 0x51);
	assert_int_equal(ndelivered, 1);

	request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal(ndelivered, 2); /* the EOI cleared remote IRR: the line up again delivers */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pci_identity),
		T(test_intx_through_the_ioapic),
		T(test_negotiation_and_config),
		T(test_reset),
		T(test_write_then_read),
		T(test_refused_requests),
		T(test_malformed_header),
		T(test_malformed_status),
		T(test_malformed_direction),
		T(test_malformed_queue),
		T(test_buffer_outside_ram),
		T(test_deferred_completion),
		T(test_register_widths),
		T(test_no_medium),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
