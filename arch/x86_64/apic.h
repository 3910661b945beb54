/* The host's own interrupt controllers: silenced at start (ftvisor polls),
 * and the end-of-interrupt for anything acknowledged on VM exit. */
#ifndef FTV_ARCH_APIC_H
#define FTV_ARCH_APIC_H

void apic_quiesce(void);
void apic_eoi(void);

#endif
