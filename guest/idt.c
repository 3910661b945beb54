#include <stdint.h>

#include "idt.h"

#define SEL_CODE 0x08           /* entry.S's flat code segment */
#define GATE_INTERRUPT32 0x8e   /* present, DPL 0, 32-bit interrupt gate (clears IF) */
#define EXCEPTION_VECTORS 32

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;
	uint16_t offset_high;
} __attribute__((packed));

struct idt_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* Defined in isr.S. */
extern void (*const exception_stubs[EXCEPTION_VECTORS])(void);
void timer_stub(void);
void spurious_stub(void);

/* Vectors left zero are not present; using one raises #NP, reported as 111. */
static struct idt_gate idt[256];

static void set_gate(int vector, void (*handler)(void))
{
	uint32_t offset = (uint32_t)handler;

	idt[vector].offset_low = (uint16_t)offset;
	idt[vector].selector = SEL_CODE;
	idt[vector].zero = 0;
	idt[vector].type = GATE_INTERRUPT32;
	idt[vector].offset_high = (uint16_t)(offset >> 16);
}

static void load(uint16_t limit, const void *base)
{
	struct idt_pointer p = { .limit = limit, .base = (uint32_t)base };

	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_init(void)
{
	for (int v = 0; v < EXCEPTION_VECTORS; v++)
		set_gate(v, exception_stubs[v]);
	set_gate(VECTOR_TIMER, timer_stub);
	set_gate(VECTOR_SPURIOUS, spurious_stub);
	load(sizeof(idt) - 1, idt);
}

void idt_load_empty(void)
{
	load(0, idt);
}
