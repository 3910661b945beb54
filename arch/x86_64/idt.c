#include "arch/x86_64/segments.h"

#include <string.h>

#include "arch/x86_64/irq.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

#define IDT_ENTRIES 256
#define GATE_INTERRUPT_PRESENT 0x8e
#define VECTOR_NMI 2
#define VECTOR_DF 8
#define VECTOR_MC 18

extern const uint64_t exception_stubs[32];
extern const char irq_stubs[];
static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));

static void set_gate(unsigned v, uint64_t handler)
{
	idt[v].offset_low = (uint16_t)handler;
	idt[v].offset_mid = (uint16_t)(handler >> 16);
	idt[v].offset_high = (uint32_t)(handler >> 32);
	idt[v].selector = HOST_CS_SEL;
	idt[v].type_attr = GATE_INTERRUPT_PRESENT;
}

void idt_install(void)
{
	memset(idt, 0, sizeof(idt));
	for (unsigned v = 0; v < IRQ_FIRST_VECTOR; v++) {
		set_gate(v, exception_stubs[v]);
		if (v == VECTOR_NMI || v == VECTOR_DF || v == VECTOR_MC)
			idt[v].ist = 1;
	}
	for (unsigned v = IRQ_FIRST_VECTOR; v < IDT_ENTRIES; v++)
		set_gate(v, (uint64_t)irq_stubs + (v - IRQ_FIRST_VECTOR) * IRQ_STUB_SIZE);
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr) : "memory");
}

struct descriptor_table idt_current(void)
{
	struct descriptor_table t = { (uint64_t)idt, sizeof(idt) - 1 };
	return t;
}
