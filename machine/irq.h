/*
 * machine/irq.h: the whole IRQ abstraction (after TinyEMU's IRQSignal).
 * A device holds a struct irq_line and calls irq_set(); the board decides
 * where the line goes (a PIC input, an APIC LINT pin, the CPU's NMI).
 */
#ifndef LS_MACHINE_IRQ_H
#define LS_MACHINE_IRQ_H

struct irq_line {
	void (*set)(void *opaque, int n, int level);
	void *opaque;
	int n;
};

static inline void irq_set(const struct irq_line *l, int level)
{
	if (l->set)
		l->set(l->opaque, l->n, level);
}

static inline void irq_pulse(const struct irq_line *l)
{
	irq_set(l, 1);
	irq_set(l, 0);
}

#endif
