/*
 * machine/pic.h: the cascaded Intel 8259A PIC pair of the PC (master at
 * 0x20/0x21, slave at 0xA0/0xA1 on master input 2) and the PIIX3 edge/level
 * control registers ELCR1/ELCR2 (ports 0x4D0/0x4D1).
 *
 * IRQ numbers are 0..15 (8..15 on the slave). The pair's INTR output goes to
 * the irq_line given at creation; the CPU runs the INTA cycle through
 * pic_intr_ack().
 */
#ifndef LS_MACHINE_PIC_H
#define LS_MACHINE_PIC_H

#include <stdint.h>

#include "machine/irq.h"
#include "machine/isa_dev.h"

struct pic;

/* A PIC pair in its power-on state (both chips uninitialised, IMR 0, ELCR 0).
 * intr receives the INTR level (n and opaque as given). log may be NULL.
 * Returns NULL on allocation failure. */
struct pic *pic_new(struct irq_line intr, const struct isa_log *log);
/* System reset: both chips and the ELCR back to the power-on state. The input
 * line levels are kept (they belong to the devices driving them). */
void pic_reset(struct pic *p);
void pic_free(struct pic *p);

/* Drive input irq (0..15) to level (0/1). Edge-triggered inputs latch a
 * request on a rising edge; level-triggered ones (ELCR bit or ICW1 LTIM)
 * request while high. Out-of-range irq numbers are ignored. */
void pic_set_irq(struct pic *p, int irq, int level);
/* An irq_line set() callback: n is the IRQ number, opaque the struct pic. */
void pic_irq_handler(void *opaque, int n, int level);

/* The INTA cycle: returns the vector of the highest-priority pending
 * request and moves it from IRR to ISR (unless auto-EOI). With nothing
 * pending it returns the spurious vector (IRQ7 of the master, or IRQ15 of the
 * slave when the cascade was acknowledged) without setting ISR. */
uint8_t pic_intr_ack(struct pic *p);
/* Current level of the INTR output (1 = an unmasked request would be
 * acknowledged). */
int pic_intr_level(const struct pic *p);

/* Port callbacks (mem.h types). offset 0/1 relative to 0x20, 0xA0 and 0x4D0. */
uint32_t pic_master_io_read(void *opaque, uint32_t offset, int size);
void pic_master_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
uint32_t pic_slave_io_read(void *opaque, uint32_t offset, int size);
void pic_slave_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
uint32_t pic_elcr_io_read(void *opaque, uint32_t offset, int size);
void pic_elcr_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* Register views for tests and the debugger (chip 0 = master, 1 = slave). */
uint8_t pic_get_irr(const struct pic *p, int chip);
uint8_t pic_get_isr(const struct pic *p, int chip);
uint8_t pic_get_imr(const struct pic *p, int chip);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. */
void pic_state_visit(struct pic *p, struct state_io *s);

#endif
