/*
 * hv/guest_image.c: checking a guest image against guest_abi.h. Images are
 * heap buffers of exactly their size, so ASan catches any read beyond them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/core/guest_image.h"

#define RAM (64ull << 20)

struct image {
	unsigned char *data;
	uint64_t size;
};

/* An image of 'size' bytes whose header says load/entry/size as given. */
static struct image make(uint32_t load, uint32_t entry, uint32_t hdr_size, uint64_t size)
{
	struct image im = { malloc(size ? size : 1), size };
	assert_non_null(im.data);
	memset(im.data, 0x90, size);
	struct ftv_guest_header h;
	memcpy(h.magic, FTV_GUEST_MAGIC, 8);
	h.abi_version = FTV_GUEST_ABI_VERSION;
	h.load_gpa = load;
	h.entry_gpa = entry;
	h.image_size = hdr_size;
	memcpy(im.data, &h, size < sizeof(h) ? size : sizeof(h));
	return im;
}

/* Checks 'im' and frees it; returns the result. */
static int check(struct image im, uint64_t ram, struct ftv_guest_header *h, char *why,
		 size_t why_size)
{
	int rc = guest_image_check(im.data, im.size, ram, h, why, why_size);
	free(im.data);
	return rc;
}

static void expect_refused(struct image im, uint64_t ram, const char *word)
{
	struct ftv_guest_header h;
	char why[200] = "";
	assert_int_equal(check(im, ram, &h, why, sizeof(why)), -1);
	if (!strstr(why, word))
		fail_msg("\"%s\" lacks \"%s\"", why, word);
}

/* A well-formed image passes and its header is handed back. */
static void test_good_image(void **state)
{
	(void)state;
	struct ftv_guest_header h;
	char why[200] = "untouched";
	struct image im = make(0x100000, 0x100040, 8192, 8192);
	assert_int_equal(check(im, RAM, &h, why, sizeof(why)), 0);
	assert_memory_equal(h.magic, "FTVGUEST", 8);
	assert_int_equal(h.abi_version, FTV_GUEST_ABI_VERSION);
	assert_int_equal(h.load_gpa, 0x100000);
	assert_int_equal(h.entry_gpa, 0x100040);
	assert_int_equal(h.image_size, 8192);
}

/* The limits themselves are allowed: lowest load address, entry right after
 * the header or on the last byte, image ending exactly at the end of RAM. */
static void test_boundaries_accepted(void **state)
{
	(void)state;
	struct ftv_guest_header h;
	char why[200];
	uint32_t hs = (uint32_t)sizeof(struct ftv_guest_header);
	assert_int_equal(check(make(GUEST_IMAGE_MIN_LOAD, GUEST_IMAGE_MIN_LOAD + hs, 4096, 4096),
			       RAM, &h, why, sizeof(why)), 0);
	assert_int_equal(check(make(0x8000, 0x8000 + 4095, 4096, 4096), RAM, &h, why, sizeof(why)),
			 0);
	assert_int_equal(check(make((uint32_t)(RAM - 8192), (uint32_t)(RAM - 8000), 8192, 8192),
			       RAM, &h, why, sizeof(why)), 0);
}

static void test_too_small(void **state)
{
	(void)state;
	expect_refused(make(0x8000, 0x8020, 0, sizeof(struct ftv_guest_header) - 1), RAM, "header");
	expect_refused(make(0x8000, 0x8020, 0, 0), RAM, "smaller than its header");
}

static void test_bad_magic(void **state)
{
	(void)state;
	struct image im = make(0x8000, 0x8020, 4096, 4096);
	im.data[7] = 'X';                          /* "FTVGUESX" */
	expect_refused(im, RAM, "magic");
	im = make(0x8000, 0x8020, 4096, 4096);
	im.data[0] = 'f';                          /* case matters */
	expect_refused(im, RAM, "FTVGUEST");
}

static void test_wrong_abi_version(void **state)
{
	(void)state;
	struct image im = make(0x8000, 0x8020, 4096, 4096);
	uint32_t v = FTV_GUEST_ABI_VERSION + 1;
	memcpy(im.data + offsetof(struct ftv_guest_header, abi_version), &v, 4);
	expect_refused(im, RAM, "ABI version 2");
	im = make(0x8000, 0x8020, 4096, 4096);
	v = 0;
	memcpy(im.data + offsetof(struct ftv_guest_header, abi_version), &v, 4);
	expect_refused(im, RAM, "ABI");
}

/* The header's size must be the file's: shorter means truncated, longer
 * means something was appended. */
static void test_size_mismatch(void **state)
{
	(void)state;
	expect_refused(make(0x8000, 0x8020, 8192, 4096), RAM, "truncated");
	expect_refused(make(0x8000, 0x8020, 4096, 8192), RAM, "8192");
}

static void test_load_address(void **state)
{
	(void)state;
	expect_refused(make(GUEST_IMAGE_MIN_LOAD - 0x1000, 0x7020, 4096, 4096), RAM, "load address");
	expect_refused(make(0, 0x20, 4096, 4096), RAM, "load address");
	expect_refused(make(0x8800, 0x8820, 4096, 4096), RAM, "page aligned");
}

/* An image that does not fit in guest RAM names the key to change, also when
 * load + size would wrap around in 32-bit arithmetic. */
static void test_beyond_ram(void **state)
{
	(void)state;
	expect_refused(make((uint32_t)RAM - 4096, (uint32_t)RAM - 4000, 8192, 8192), RAM,
		       "guest.ram_mb");
	expect_refused(make(0x200000, 0x200020, 4096, 4096), 0x200000, "guest.ram_mb");
	expect_refused(make(0xfffff000u, 0xfffff020u, 8192, 8192), RAM, "guest.ram_mb");
}

/* The entry point must lie in the image, after its header. */
static void test_entry_outside(void **state)
{
	(void)state;
	uint32_t hs = (uint32_t)sizeof(struct ftv_guest_header);
	expect_refused(make(0x10000, 0x10000, 4096, 4096), RAM, "entry");             /* the header */
	expect_refused(make(0x10000, 0x10000 + hs - 1, 4096, 4096), RAM, "entry");
	expect_refused(make(0x10000, 0x11000, 4096, 4096), RAM, "outside the image"); /* one past */
	expect_refused(make(0x10000, 0x8000, 4096, 4096), RAM, "entry 0x8000");
	expect_refused(make(0x10000, 0xffffffffu, 4096, 4096), RAM, "entry");
}

/* A short message buffer is filled and terminated, never overrun. */
static void test_short_message_buffer(void **state)
{
	(void)state;
	struct ftv_guest_header h;
	char why[16];
	memset(why, 'x', sizeof(why));
	assert_int_equal(check(make(0x8800, 0x8820, 4096, 4096), RAM, &h, why, 8), -1);
	assert_int_equal(strlen(why), 7);
	assert_int_equal(why[8], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_image),
		cmocka_unit_test(test_boundaries_accepted),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_wrong_abi_version),
		cmocka_unit_test(test_size_mismatch),
		cmocka_unit_test(test_load_address),
		cmocka_unit_test(test_beyond_ram),
		cmocka_unit_test(test_entry_outside),
		cmocka_unit_test(test_short_message_buffer),
	};
	return cmocka_run_group_tests_name("guest_image", tests, NULL, NULL);
}
