#include "arch/x86_64/segments.h"

#include <string.h>

/* 64-bit TSS: only the IST stacks matter; we never change privilege level. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define IST_STACK_SIZE 8192
/* IST1: double fault, NMI, machine check — they must not run on a broken stack. */
static uint8_t ist1_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
static struct tss64 tss;
static uint64_t gdt[5] __attribute__((aligned(16)));

/* Flat 64-bit code (L=1, P=1, S=1, type execute/read) and data (read/write). */
#define GDT_CODE64 0x00af9a000000ffffull
#define GDT_DATA   0x00cf92000000ffffull

static void set_tss_descriptor(uint64_t *slot, uint64_t base, uint32_t limit)
{
	/* Available 64-bit TSS (type 9), present; a 16-byte system descriptor. */
	slot[0] = (limit & 0xffffull) | ((base & 0xffffffull) << 16) | (0x89ull << 40) |
		  ((uint64_t)(limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xffull) << 56;
	slot[1] = base >> 32;
}

void gdt_install(void)
{
	memset(&tss, 0, sizeof(tss));
	tss.ist[0] = (uint64_t)(ist1_stack + IST_STACK_SIZE);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */
	gdt[0] = 0;
	gdt[1] = GDT_CODE64;
	gdt[2] = GDT_DATA;
	set_tss_descriptor(&gdt[3], (uint64_t)&tss, sizeof(tss) - 1);

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };

	/* Reload CS with a far return; the data segments and TR directly. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "movw %w3, %%ax\n\t"
			 "ltr %%ax\n\t"
			 :
			 : "m"(gdtr), "i"(HOST_CS_SEL), "i"(HOST_DS_SEL), "i"(HOST_TSS_SEL)
			 : "rax", "memory");
}

struct descriptor_table gdt_current(void)
{
	struct descriptor_table t = { (uint64_t)gdt, sizeof(gdt) - 1 };
	return t;
}

uint64_t tss_base(void)
{
	return (uint64_t)&tss;
}
