#include "hv/vmx/mmio_decode.h"

#include <string.h>

#define PREFIX_OPSIZE 0x66
#define PREFIX_ADDRSIZE 0x67
#define REX_W 0x8
#define REX_R 0x4

static int is_segment_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* Bytes of ModRM, SIB and displacement from the ModRM byte at bytes[i];
 * 0 for register-only forms (no memory operand, so no MMIO) or truncation. */
static size_t modrm_length(const uint8_t *bytes, size_t i, size_t n)
{
	if (i >= n)
		return 0;
	uint8_t modrm = bytes[i];
	unsigned mod = modrm >> 6, rm = modrm & 7;
	size_t len = 1;
	if (mod == 3)
		return 0;
	if (rm == 4) {
		if (i + 1 >= n)
			return 0;
		len++;
		/* SIB base 5 with mod 0: no base, a 32-bit displacement. */
		if (mod == 0 && (bytes[i + 1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4; /* disp32 (RIP-relative in 64-bit mode) */
	}
	len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	return i + len <= n ? len : 0;
}

int mmio_decode(const uint8_t *bytes, size_t n, enum mmio_mode mode, struct mmio_insn *out)
{
	size_t i = 0;
	int opsize16 = 0, addr32 = mode == MMIO_MODE_32;
	uint8_t rex = 0;

	memset(out, 0, sizeof(*out));
	if (n > MMIO_INSN_MAX)
		n = MMIO_INSN_MAX;
	/* Legacy prefixes: segment overrides only change the address, which
	 * the exit gives; LOCK and REP do not go with MOV and are refused. */
	for (; i < n; i++) {
		if (bytes[i] == PREFIX_OPSIZE)
			opsize16 = 1;
		else if (bytes[i] == PREFIX_ADDRSIZE && mode == MMIO_MODE_64)
			addr32 = 1; /* the same ModRM forms, a 4-byte moffs */
		else if (!is_segment_prefix(bytes[i]))
			break;
	}
	/* REX counts only right before the opcode. */
	if (mode == MMIO_MODE_64 && i < n && (bytes[i] & 0xf0) == 0x40)
		rex = bytes[i++];
	if (i >= n)
		return -1;

	uint8_t op = bytes[i++];
	unsigned wide = (rex & REX_W) ? 8 : opsize16 ? 2 : 4;
	if (op == 0x0f) {
		if (i >= n || (bytes[i] != 0xb6 && bytes[i] != 0xb7))
			return -1;
		out->size = bytes[i++] == 0xb6 ? 1 : 2;
		out->dest_size = (uint8_t)wide;
	} else if (op == 0x8b || op == 0x89) {
		out->size = out->dest_size = (uint8_t)wide;
		out->is_write = op == 0x89;
	} else if (op == 0x8a || op == 0x88) {
		out->size = out->dest_size = 1;
		out->is_write = op == 0x88;
	} else if (op >= 0xa0 && op <= 0xa3) {
		/* MOV AL/eAX <-> moffs: a compiler's choice for a constant
		 * address; the offset is as wide as an address. */
		size_t moffs = addr32 ? 4 : 8;
		if (i + moffs > n)
			return -1;
		out->size = out->dest_size = op & 1 ? (uint8_t)wide : 1;
		out->is_write = op >= 0xa2;
		out->len = (uint8_t)(i + moffs);
		return 0;
	} else if (op == 0xc7) {
		out->size = (uint8_t)wide;
		out->is_write = 1;
		out->has_imm = 1;
	} else {
		return -1;
	}

	size_t m = modrm_length(bytes, i, n);
	if (m == 0)
		return -1;
	unsigned reg = (bytes[i] >> 3) & 7;
	i += m;
	if (out->has_imm) {
		if (reg != 0)
			return -1; /* C7 /1-/7 are not MOV */
		size_t isz = out->size == 2 ? 2 : 4;
		if (i + isz > n)
			return -1;
		uint64_t imm = 0;
		for (size_t k = 0; k < isz; k++)
			imm |= (uint64_t)bytes[i + k] << (8 * k);
		if (out->size == 8 && (imm & 0x80000000ull))
			imm |= 0xffffffff00000000ull;
		out->imm = imm;
		i += isz;
	} else {
		out->reg = (uint8_t)(reg | ((rex & REX_R) ? 8 : 0));
		/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
		if ((op == 0x8a || op == 0x88) && !rex && reg >= 4) {
			out->reg = (uint8_t)(reg - 4);
			out->high_byte = 1;
		}
	}
	out->len = (uint8_t)i;
	return 0;
}

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t mmio_store_value(const struct mmio_insn *in, uint64_t reg_value)
{
	if (in->has_imm)
		return in->imm & mask_of(in->size);
	if (in->high_byte)
		reg_value >>= 8;
	return reg_value & mask_of(in->size);
}

uint64_t mmio_load_merge(const struct mmio_insn *in, uint64_t reg_value, uint64_t value)
{
	value &= mask_of(in->size);
	if (in->high_byte)
		return (reg_value & ~0xff00ull) | (value << 8);
	if (in->dest_size >= 4)
		return value;
	uint64_t m = mask_of(in->dest_size);
	return (reg_value & ~m) | value;
}
