/*
 * The 16550 UART's registers (offsets from its I/O base) and the bits
 * ftvisor uses: named once for the console driver (drivers/serial.c), the
 * guest's virtual UART (hv/vuart.c) and its tests.
 */
#ifndef FTV_DRIVERS_UART16550_H
#define FTV_DRIVERS_UART16550_H

#define UART_DATA 0             /* THR (write) / RBR (read), or DLL with DLAB */
#define UART_IER 1              /* or DLM with DLAB */
#define UART_IIR_FCR 2          /* IIR (read) / FCR (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80      /* offsets 0 and 1 reach the divisor latch */
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THRE 0x20      /* transmit holding register empty */
#define UART_LSR_TEMT 0x40      /* transmitter empty */
#define UART_IIR_NONE 0x01      /* no interrupt pending */
#define UART_IIR_FIFO 0xc0      /* FIFOs enabled */
#define UART_MSR_CTS_DSR_DCD 0xb0
#define UART_MCR_LOOP 0x10

#endif
