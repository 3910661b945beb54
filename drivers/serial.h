/* Polled 16550 UART on COM1: the hypervisor's console. */
#ifndef FTV_DRIVERS_SERIAL_H
#define FTV_DRIVERS_SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_write(const char *s, size_t n);
/* Returns a byte, or -1 when none is waiting. */
int serial_read_byte(void);

#endif
