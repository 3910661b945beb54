/*
 * libFuzzer target for the guest image check (hv/core/guest_image.c): the
 * image comes from a file on the ESP. The input's first byte picks the
 * guest's RAM (1 KiB to 1 GiB, or 4 GiB + the input's size) and whether to
 * make the magic, the ABI version and the size field right, so that the
 * checks behind them are reached; the rest is the image, in an
 * exactly-sized buffer. An image that passes lies inside the guest's RAM
 * above GUEST_IMAGE_MIN_LOAD, page aligned, with its entry inside its own
 * bytes past the header; one that fails says why. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/core/guest_image.h"
#include "tests/fuzz/fuzz_check.h"

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_guest_image", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t steer = data[0];
	size_t len = size - 1;
	uint64_t ram = steer & 0x40 ? (4ull << 30) + len : 1024ull << (steer & 31) % 21;
	uint8_t *image = malloc(len ? len : 1);
	if (!image)
		abort();
	memcpy(image, data + 1, len);
	struct ftv_guest_header fix;
	if ((steer & 0x80) && len >= sizeof(fix)) {
		memcpy(&fix, image, sizeof(fix));
		memcpy(fix.magic, FTV_GUEST_MAGIC, sizeof(fix.magic));
		fix.abi_version = FTV_GUEST_ABI_VERSION;
		fix.image_size = (uint32_t)len;
		memcpy(image, &fix, sizeof(fix));
	}
	struct ftv_guest_header hdr;
	char why[160] = "";
	int rc = guest_image_check(image, len, ram, &hdr, why, sizeof(why));
	if (rc == 0) {
		uint64_t load = hdr.load_gpa, entry = hdr.entry_gpa;
		check(len >= sizeof(hdr) && memcmp(&hdr, image, sizeof(hdr)) == 0,
		      "the header is not the image's first bytes");
		check(memcmp(hdr.magic, FTV_GUEST_MAGIC, 8) == 0 &&
			      hdr.abi_version == FTV_GUEST_ABI_VERSION && hdr.image_size == len,
		      "accepted a wrong magic, version or size");
		check(load >= GUEST_IMAGE_MIN_LOAD && (load & 0xfff) == 0 && load + len <= ram,
		      "accepted an image outside the guest's RAM");
		check(entry >= load + sizeof(hdr) && entry < load + len,
		      "accepted an entry outside the image");
	} else {
		check(rc == -1 && fuzz_said_why(why, sizeof(why)), "refused without a reason");
	}
	free(image);
	return 0;
}
