/* The hypervisor's own GDT, TSS and IDT (installed once, at start). */
#ifndef FTV_ARCH_SEGMENTS_H
#define FTV_ARCH_SEGMENTS_H

#include <stdint.h>

#define HOST_CS_SEL 0x08
#define HOST_DS_SEL 0x10
#define HOST_TSS_SEL 0x18

struct descriptor_table {
	uint64_t base;
	uint16_t limit;
};

void gdt_install(void);
void idt_install(void);
struct descriptor_table gdt_current(void);
struct descriptor_table idt_current(void);
uint64_t tss_base(void);

#endif
