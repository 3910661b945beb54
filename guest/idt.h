/* The guest's interrupt descriptor table. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#define VECTOR_GP 13
#define VECTOR_TIMER 0x40
#define VECTOR_SPURIOUS 0xff

/* Vectors 0-31 -> exception_entry(), 0x40 -> timer_tick(), 0xff -> ignored. */
void idt_init(void);

/* An IDT with limit 0: any exception then escalates to a triple fault. */
void idt_load_empty(void);

#endif
