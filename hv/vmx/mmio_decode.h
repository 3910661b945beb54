/*
 * The MOV forms a guest uses to touch device registers in MMIO (what
 * Linux's readl/writel and friends compile to): 8B/89 (load/store r16/32/64),
 * 8A/88 (byte), C7 /0 (store an immediate), 0F B6/B7 (MOVZX from a byte or
 * word), A0-A3 (AL/eAX to or from an absolute address, what a compiler
 * picks for a constant one). Pure: bytes in, a description out. The
 * address is not computed: the exit's guest-physical address already names
 * it, so ModRM, SIB, displacement and moffs count only for the length.
 * Everything else is refused, and the caller stops the guest with the
 * bytes on the console.
 */
#ifndef FTV_MMIO_DECODE_H
#define FTV_MMIO_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define MMIO_INSN_MAX 15  /* the architectural limit of an x86 instruction */

/* The code segment's default operand and address size. */
enum mmio_mode { MMIO_MODE_32, MMIO_MODE_64 };

struct mmio_insn {
	uint8_t len;        /* bytes, prefixes included */
	uint8_t size;       /* bytes accessed in memory: 1, 2, 4 or 8 */
	uint8_t is_write;   /* 1: store to memory; 0: load into 'reg' */
	uint8_t reg;        /* general register by hardware number (0-15) */
	uint8_t high_byte;  /* byte form naming AH/CH/DH/BH (reg then 0-3) */
	uint8_t dest_size;  /* loads: register bytes written (MOVZX widens) */
	uint8_t has_imm;    /* stores: the value is 'imm', not a register */
	uint64_t imm;       /* sign-extended as the CPU does (C7 with REX.W) */
};

/* 0 and *out filled, or -1 for anything but the forms above (including
 * register-only ModRM, LOCK/REP, 16-bit addressing, truncated bytes). */
int mmio_decode(const uint8_t *bytes, size_t n, enum mmio_mode mode, struct mmio_insn *out);

/* The value a store writes, from the source register's contents. */
uint64_t mmio_store_value(const struct mmio_insn *in, uint64_t reg_value);
/* The destination register after a load of 'value' (zero-extended to
 * dest_size): 4- and 8-byte writes replace the register, narrower ones keep
 * the other bits, as the CPU does. */
uint64_t mmio_load_merge(const struct mmio_insn *in, uint64_t reg_value, uint64_t value);

#endif
