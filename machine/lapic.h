/*
 * machine/lapic.h: the local APIC of the single CPU (Intel SDM Vol. 3A ch. 10),
 * memory-mapped at 0xFEE00000. Models ID, version, TPR/PPR, EOI, LDR/DFR,
 * SVR, ISR/TMR/IRR, ESR, ICR (self-IPIs are delivered; INIT/SIPI to other
 * CPUs find none), the LVT (timer, LINT0, LINT1, error) and the timer
 * (one-shot and periodic, divide configuration) on a 1 GHz bus clock derived
 * from virtual time. LINT0 in ExtINT mode passes the 8259's INTR through;
 * LINT1 in NMI mode is the NMI pin. The board owns the wiring: the APIC
 * tells it when the CPU's INTR line must change and answers INTA first,
 * falling back to the PIC for ExtINT.
 */
#ifndef LS_MACHINE_LAPIC_H
#define LS_MACHINE_LAPIC_H

#include <stddef.h>
#include <stdint.h>

#include "machine/isa_dev.h"

#define LAPIC_BASE 0xFEE00000u
#define LAPIC_SIZE 0x1000u

struct clock;
struct lapic;

struct lapic_callbacks {
	/* The CPU's INTR input should be `level` (a fixed vector or an ExtINT
	 * is pending and deliverable). */
	void (*intr)(void *opaque, int level);
	/* NMI delivered through LINT1 or an NMI IPI to self. */
	void (*nmi)(void *opaque);
	/* INTA for an ExtINT: the 8259's vector. */
	int (*extint_ack)(void *opaque);
	void *opaque;
};

struct lapic *lapic_new(struct clock *clk, const struct lapic_callbacks *cb,
			const struct isa_log *log);
void lapic_free(struct lapic *a);
/* Power-on/INIT state: ID 0, SVR 0xFF (software-disabled), every LVT masked
 * except LINT0, which starts as ExtINT (the BSP's virtual-wire mode). */
void lapic_reset(struct lapic *a);

/* MMIO callbacks (offset within the 4 KiB page; 32-bit registers on 16-byte
 * boundaries; narrower accesses read the register's bytes, writes of other
 * sizes are logged and dropped). */
uint32_t lapic_mmio_read(void *opaque, uint32_t offset, int size);
void lapic_mmio_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* The 8259's INTR output, arriving at LINT0. */
void lapic_set_lint0(struct lapic *a, int level);
/* Whether the CPU's INTR is asserted now, and the INTA cycle: the vector to
 * deliver (fixed interrupts first, then ExtINT through the 8259), or the
 * spurious vector when nothing is deliverable any more. */
int lapic_intr_pending(const struct lapic *a);
int lapic_intr_ack(struct lapic *a);
/* Hardware-enable bit of IA32_APIC_BASE (bit 11): when clear the APIC is
 * bypassed and LINT0 passes the 8259 straight through. */
void lapic_set_enabled(struct lapic *a, int enabled);

struct state_io;
/* Hash, save or load the APIC's state (machine/state_io.h). */
void lapic_state_visit(struct lapic *a, struct state_io *s);

#endif
