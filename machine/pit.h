/*
 * machine/pit.h: the Intel 8254 programmable interval timer (ports
 * 0x40-0x43) and the PC's port 0x61 (NMI status and control: timer 2 gate,
 * speaker data, refresh toggle, OUT2).
 *
 * The counters run at 1.193182 MHz derived from virtual time with integer
 * arithmetic only. Channel 0's OUT drives IRQ0 through the irq_line given at
 * creation; a clock timer fires only at OUT transitions of channel 0.
 */
#ifndef LS_MACHINE_PIT_H
#define LS_MACHINE_PIT_H

#include <stdint.h>

#include "machine/clock.h"
#include "machine/irq.h"
#include "machine/isa_dev.h"

#define PIT_FREQ_HZ 1193182u

struct pit;

/* A PIT on clock clk (virtual ns) with channel 0's OUT on irq0. log may be
 * NULL. Returns NULL on allocation failure. Starts in the reset state. */
struct pit *pit_new(struct clock *clk, struct irq_line irq0, const struct isa_log *log);
/* System reset (as QEMU's PC: every channel in mode 3 counting 65536, gates
 * of channels 0 and 1 high, gate 2 low, port 0x61 zero). */
void pit_reset(struct pit *p);
void pit_free(struct pit *p);

/* Ports 0x40-0x43 (offset 0-3). */
uint32_t pit_io_read(void *opaque, uint32_t offset, int size);
void pit_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
/* Port 0x61 (offset 0): bit 0 timer 2 gate, bit 1 speaker data, bits 2-3
 * parity/IOCHK check disables (stored), bit 4 refresh toggle (reads only;
 * flips every 15085 ns of virtual time), bit 5 OUT2 (reads only). */
uint32_t pit_port61_io_read(void *opaque, uint32_t offset, int size);
void pit_port61_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* Drive channel ch's GATE input (channels 0 and 1 are tied high on a PC). */
void pit_set_gate(struct pit *p, int ch, int level);
/* Channel ch's OUT level now. */
int pit_get_out(struct pit *p, int ch);

/* Counter ticks elapsed at virtual time ns: floor(ns * 1193182 / 10^9). */
uint64_t pit_ns_to_ticks(uint64_t ns);
/* First virtual ns at which tick t has elapsed: ceil(t * 10^9 / 1193182). */
uint64_t pit_ticks_to_ns(uint64_t t);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. The
 * timer is the clock's (clock_state_visit). */
void pit_state_visit(struct pit *p, struct state_io *s);

#endif
