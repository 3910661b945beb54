/*
 * hv/vmx/mmio_decode.c: the MOV forms readl/writel compile to (lengths with
 * every ModRM/SIB/displacement shape, sizes from prefixes, the register or
 * the immediate), the byte registers AH-BH, the merge of narrow loads, and
 * the refusal of everything else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/vmx/mmio_decode.h"

#define DECODE(mode, ...)                                                        \
	({                                                                           \
		static const uint8_t b_[] = { __VA_ARGS__ };                             \
		struct mmio_insn i_;                                                     \
		assert_int_equal(mmio_decode(b_, sizeof(b_), mode, &i_), 0);             \
		assert_int_equal(i_.len, sizeof(b_));                                    \
		i_;                                                                      \
	})

static int refused(enum mmio_mode mode, const uint8_t *b, size_t n)
{
	struct mmio_insn i;
	return mmio_decode(b, n, mode, &i) == -1;
}

static void test_readl_writel_forms(void **state)
{
	(void)state;
	/* mov eax, [ebx] */
	struct mmio_insn i = DECODE(MMIO_MODE_32, 0x8b, 0x03);
	assert_int_equal(i.size, 4);
	assert_false(i.is_write);
	assert_int_equal(i.reg, 0);
	/* mov [esi+0x10], edx */
	i = DECODE(MMIO_MODE_32, 0x89, 0x56, 0x10);
	assert_true(i.is_write);
	assert_int_equal(i.reg, 2);
	/* mov ecx, [0xfec00010] (disp32, no base) */
	i = DECODE(MMIO_MODE_32, 0x8b, 0x0d, 0x10, 0x00, 0xc0, 0xfe);
	assert_int_equal(i.reg, 1);
	/* mov eax, [eax+ecx*4+0x12345678] (SIB + disp32) */
	i = DECODE(MMIO_MODE_32, 0x8b, 0x84, 0x88, 0x78, 0x56, 0x34, 0x12);
	/* mov eax, [ebp*2+disp32] (SIB base 5, mod 0) */
	i = DECODE(MMIO_MODE_32, 0x8b, 0x04, 0x6d, 0x00, 0x00, 0xc0, 0xfe);
	/* mov [esp+8], eax (SIB + disp8) */
	i = DECODE(MMIO_MODE_32, 0x89, 0x44, 0x24, 0x08);
	/* 64-bit: mov r9d, [rdi+0x40] (REX.R) and mov [rax], r15 (REX.WR) */
	i = DECODE(MMIO_MODE_64, 0x44, 0x8b, 0x4f, 0x40);
	assert_int_equal(i.reg, 9);
	assert_int_equal(i.size, 4);
	i = DECODE(MMIO_MODE_64, 0x4c, 0x89, 0x38);
	assert_int_equal(i.reg, 15);
	assert_int_equal(i.size, 8);
	/* RIP-relative: mov eax, [rip+disp32] */
	i = DECODE(MMIO_MODE_64, 0x8b, 0x05, 1, 2, 3, 4);
	/* mov eax, [0xfec00010] as moffs; mov [moffs64], al; 0x67: moffs32 */
	i = DECODE(MMIO_MODE_32, 0xa1, 0x10, 0x00, 0xc0, 0xfe);
	assert_int_equal(i.size, 4);
	assert_false(i.is_write);
	assert_int_equal(i.reg, 0);
	i = DECODE(MMIO_MODE_64, 0xa2, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0);
	assert_int_equal(i.size, 1);
	assert_true(i.is_write);
	i = DECODE(MMIO_MODE_64, 0x67, 0x48, 0xa3, 0, 0, 0xc0, 0xfe);
	assert_int_equal(i.size, 8);
	/* 16-bit: mov [ebx], ax; segment override: mov eax, fs:[ebx] */
	i = DECODE(MMIO_MODE_32, 0x66, 0x89, 0x03);
	assert_int_equal(i.size, 2);
	i = DECODE(MMIO_MODE_32, 0x64, 0x8b, 0x03);
	assert_int_equal(i.size, 4);
}

static void test_bytes_immediates_and_movzx(void **state)
{
	(void)state;
	/* mov [ebx], bh: high byte without REX; with REX it is DIL */
	struct mmio_insn i = DECODE(MMIO_MODE_32, 0x88, 0x3b);
	assert_int_equal(i.size, 1);
	assert_true(i.high_byte);
	assert_int_equal(i.reg, 3);
	assert_int_equal(mmio_store_value(&i, 0xab12), 0xab);
	i = DECODE(MMIO_MODE_64, 0x40, 0x88, 0x3b);
	assert_false(i.high_byte);
	assert_int_equal(i.reg, 7);
	/* mov dword [ebx+4], 0x12345678 */
	i = DECODE(MMIO_MODE_32, 0xc7, 0x43, 0x04, 0x78, 0x56, 0x34, 0x12);
	assert_true(i.is_write && i.has_imm);
	assert_int_equal(mmio_store_value(&i, 0), 0x12345678);
	/* mov word [ebx], 0xbeef (imm16), mov qword [rbx], -1 (imm32 sign-extended) */
	i = DECODE(MMIO_MODE_32, 0x66, 0xc7, 0x03, 0xef, 0xbe);
	assert_int_equal(mmio_store_value(&i, 0), 0xbeef);
	i = DECODE(MMIO_MODE_64, 0x48, 0xc7, 0x03, 0xff, 0xff, 0xff, 0xff);
	assert_int_equal(mmio_store_value(&i, 0), ~0ull);
	/* movzx eax, byte [ebx]; movzx ecx, word [ebx] */
	i = DECODE(MMIO_MODE_32, 0x0f, 0xb6, 0x03);
	assert_int_equal(i.size, 1);
	assert_int_equal(i.dest_size, 4);
	assert_int_equal(mmio_load_merge(&i, ~0ull, 0x1ff), 0xff);
	i = DECODE(MMIO_MODE_32, 0x0f, 0xb7, 0x0b);
	assert_int_equal(i.size, 2);
	assert_int_equal(i.reg, 1);
}

static void test_load_merge(void **state)
{
	(void)state;
	struct mmio_insn i = DECODE(MMIO_MODE_64, 0x8b, 0x03);
	assert_int_equal(mmio_load_merge(&i, ~0ull, 0x170020), 0x170020); /* 32-bit zero-extends */
	i = DECODE(MMIO_MODE_32, 0x8a, 0x03); /* mov al, [ebx] */
	assert_int_equal(mmio_load_merge(&i, 0x11223344, 0xaa), 0x112233aa);
	i = DECODE(MMIO_MODE_32, 0x8a, 0x23); /* mov ah, [ebx] */
	assert_int_equal(mmio_load_merge(&i, 0x11223344, 0xaa), 0x1122aa44);
	i = DECODE(MMIO_MODE_32, 0x66, 0x8b, 0x03); /* mov ax, [ebx] */
	assert_int_equal(mmio_load_merge(&i, 0x11223344, 0xbeef), 0x1122beef);
}

static void test_refusals(void **state)
{
	(void)state;
	static const uint8_t reg_only[] = { 0x8b, 0xc3 };         /* mov eax, ebx */
	static const uint8_t lock[] = { 0xf0, 0x89, 0x03 };
	static const uint8_t rep[] = { 0xf3, 0xa5 };              /* rep movsd */
	static const uint8_t addr16[] = { 0x67, 0x8b, 0x07 };     /* 16-bit addressing in 32-bit mode */
	static const uint8_t c7_not_mov[] = { 0xc7, 0x4b, 0x04, 0, 0, 0, 0 };
	static const uint8_t truncated[] = { 0x8b, 0x84, 0x88, 0x78, 0x56 };
	static const uint8_t other_0f[] = { 0x0f, 0xbe, 0x03 };   /* movsx */
	static const uint8_t rex_in_32[] = { 0x48, 0x8b, 0x03 };  /* DEC eax there */
	static const uint8_t or_op[] = { 0x09, 0x03 };
	uint8_t too_long[20];
	for (unsigned k = 0; k < sizeof(too_long); k++)
		too_long[k] = 0x3e;
	too_long[16] = 0x8b;
	too_long[17] = 0x03;
	assert_true(refused(MMIO_MODE_32, reg_only, sizeof(reg_only)));
	assert_true(refused(MMIO_MODE_32, lock, sizeof(lock)));
	assert_true(refused(MMIO_MODE_32, rep, sizeof(rep)));
	assert_true(refused(MMIO_MODE_32, addr16, sizeof(addr16)));
	assert_true(refused(MMIO_MODE_32, c7_not_mov, sizeof(c7_not_mov)));
	assert_true(refused(MMIO_MODE_32, truncated, sizeof(truncated)));
	assert_true(refused(MMIO_MODE_32, other_0f, sizeof(other_0f)));
	assert_true(refused(MMIO_MODE_32, rex_in_32, sizeof(rex_in_32)));
	assert_true(refused(MMIO_MODE_32, or_op, sizeof(or_op)));
	assert_true(refused(MMIO_MODE_32, too_long, sizeof(too_long)));
	assert_true(refused(MMIO_MODE_32, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readl_writel_forms),
		cmocka_unit_test(test_bytes_immediates_and_movzx),
		cmocka_unit_test(test_load_merge),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
