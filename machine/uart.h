/*
 * machine/uart.h: a National Semiconductor PC16550D UART (COM1 at 0x3F8,
 * IRQ 4 on the PC). Transmitted bytes go straight to an output callback
 * (no baud-rate delay); received bytes are pushed in by the machine, since
 * serial input is a recorded input event. The RX FIFO's character timeout
 * runs on virtual time at the programmed baud rate.
 */
#ifndef LS_MACHINE_UART_H
#define LS_MACHINE_UART_H

#include <stddef.h>
#include <stdint.h>

#include "machine/clock.h"
#include "machine/irq.h"
#include "machine/isa_dev.h"

struct uart;

/* A UART on clock clk with its interrupt on irq. out(out_opaque, buf, len)
 * receives every transmitted byte (NULL: dropped). log may be NULL. Returns
 * NULL on allocation failure. Starts in the reset state. */
struct uart *uart_new(struct clock *clk, struct irq_line irq,
		      void (*out)(void *opaque, const uint8_t *buf, size_t len),
		      void *out_opaque, const struct isa_log *log);
/* Master reset: IER, IIR, FCR, LCR, MCR cleared, LSR 0x60, FIFOs empty,
 * modem inputs CTS, DSR, DCD asserted (a terminal is attached), divisor 12
 * (9600 baud), scratch 0. */
void uart_reset(struct uart *u);
void uart_free(struct uart *u);

/* Registers at offsets 0-7 from the base port. */
uint32_t uart_io_read(void *opaque, uint32_t offset, int size);
void uart_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* A byte arrives on the serial input. Returns 0 if it was stored, -1 if it
 * was lost (RX FIFO or holding register full: overrun error; or the UART is
 * in loopback mode, where the input pin is disconnected). */
int uart_receive(struct uart *u, uint8_t byte);
/* How many bytes uart_receive() can take now without an overrun. */
int uart_rx_room(const struct uart *u);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. The
 * timer is the clock's (clock_state_visit). */
void uart_state_visit(struct uart *u, struct state_io *s);

#endif
