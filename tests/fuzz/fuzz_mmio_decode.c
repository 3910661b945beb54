/*
 * libFuzzer target for the MMIO instruction decoder (hv/vmx/mmio_decode.c):
 * the first byte picks the mode (bit 0: 64-bit), the rest are instruction
 * bytes, in a buffer of exactly that size (ASan sees any read past it).
 * The decoder must never crash; what it accepts must fit in the bytes and
 * in 15, with an access size of 1, 2, 4 or 8, a register 0-15 (0-3 for
 * AH-BH), and decode to the same result from exactly its own bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/vmx/mmio_decode.h"
#include "tests/fuzz/fuzz_check.h"

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_mmio_decode", what);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	enum mmio_mode mode = (data[0] & 1) ? MMIO_MODE_64 : MMIO_MODE_32;
	size_t n = size - 1;
	uint8_t *bytes = malloc(n ? n : 1);
	memcpy(bytes, data + 1, n);
	struct mmio_insn in, again;
	if (mmio_decode(bytes, n, mode, &in) == 0) {
		check(in.len >= 2 && in.len <= n && in.len <= MMIO_INSN_MAX, "length outside the bytes");
		check(in.size == 1 || in.size == 2 || in.size == 4 || in.size == 8, "access size");
		check(in.reg < (in.high_byte ? 4 : 16), "register number");
		check(in.is_write || in.dest_size >= in.size, "load narrower than the access");
		check(mmio_decode(bytes, in.len, mode, &again) == 0 &&
			      memcmp(&in, &again, sizeof(in)) == 0,
		      "a different decode from its own bytes");
		(void)mmio_store_value(&in, ~0ull);
		if (!in.is_write && in.high_byte)
			check(mmio_load_merge(&in, 0, ~0ull) == 0xff00, "a high-byte load outside AH-BH");
		else if (!in.is_write && in.dest_size < 8)
			check(mmio_load_merge(&in, 0, ~0ull) >> (8 * in.dest_size) == 0,
			      "a load wider than its destination");
	}
	free(bytes);
	return 0;
}
