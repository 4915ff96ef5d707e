/*
 * machine/pic.c: two Intel 8259A PICs cascaded as in the PC/AT, plus the
 * PIIX3 ELCR. Follows the 8259A datasheet (Intel 231468): §"Initialization
 * command words" (ICW1-ICW4), §"Operation command words" (OCW1-OCW3),
 * §"Interrupt sequence" (INTA), §"Priority modes" (fully nested, rotation,
 * special mask), and the PIIX3 datasheet (290550) §2.8.6 ELCR1/ELCR2.
 */
#include "machine/pic.h"
#include "machine/state_io.h"

#include <stdio.h>
#include <stdlib.h>

#define PIC_ICW1_IC4   0x01   /* ICW4 needed */
#define PIC_ICW1_SNGL  0x02   /* single (no cascade) */
#define PIC_ICW1_LTIM  0x08   /* level-triggered mode for all inputs */
#define PIC_ICW1_INIT  0x10
#define PIC_ICW4_UPM   0x01   /* 8086 mode */
#define PIC_ICW4_AEOI  0x02
#define PIC_ICW4_SFNM  0x10   /* special fully nested mode */
#define PIC_OCW3_SEL   0x08
#define PIC_CASCADE    2      /* master input carrying the slave */

enum { PIC_UNIMP_8080, PIC_UNIMP_IRQ2, PIC_UNIMP_SINGLE };

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;          /* current input levels */
	uint8_t elcr, elcr_mask;
	uint8_t base;           /* ICW2 T7-T3 */
	uint8_t init_step;      /* 0 operational, else next ICW expected (2-4) */
	uint8_t icw1, icw4;
	uint8_t read_isr;       /* OCW3 RR/RIS: 0 read IRR, 1 read ISR */
	uint8_t poll;           /* OCW3 P: the next read is a poll */
	uint8_t special_mask;   /* OCW3 ESMM/SMM */
	uint8_t rotate_aeoi;    /* OCW2 rotate in auto-EOI mode */
	uint8_t top;            /* input with the highest priority (rotation) */
};

struct pic {
	struct pic_chip chip[2];
	struct irq_line intr;
	int intr_level;
	struct isa_log log;
	uint32_t logged;
};

static uint8_t pic_level_mask(const struct pic_chip *c)
{
	return (c->icw1 & PIC_ICW1_LTIM) ? 0xFF : c->elcr;
}

static void pic_chip_reset(struct pic_chip *c, uint8_t elcr_mask)
{
	uint8_t lines = c->lines;
	*c = (struct pic_chip){ 0 };
	c->lines = lines;
	c->elcr_mask = elcr_mask;
}

/* Input of one chip changes level (datasheet: edge mode latches IRR on a
 * rising edge; level mode follows the line). */
static void pic_chip_set_input(struct pic_chip *c, int n, int level)
{
	uint8_t bit = (uint8_t)(1u << n);
	int is_level = (pic_level_mask(c) & bit) != 0;
	if (level) {
		if (is_level || !(c->lines & bit))
			c->irr |= bit;
		c->lines |= bit;
	} else {
		c->lines &= (uint8_t)~bit;
		if (is_level)
			c->irr &= (uint8_t)~bit;
	}
}

/* Highest-priority input whose bit is set in mask, or -1. */
static int pic_chip_highest(const struct pic_chip *c, uint8_t mask)
{
	for (int i = 0; i < 8; i++) {
		int n = (c->top + i) & 7;
		if (mask & (1u << n))
			return n;
	}
	return -1;
}

/* The request the chip would present on INT now, or -1: the highest
 * unmasked IRR bit with a higher priority than everything in service. */
static int pic_chip_pending(const struct pic_chip *c, int is_master)
{
	uint8_t req = c->irr & (uint8_t)~c->imr;
	uint8_t busy = c->isr;
	if (!req)
		return -1;
	if (c->special_mask)
		busy &= (uint8_t)~c->imr;
	if (is_master && (c->icw4 & PIC_ICW4_SFNM))
		busy &= (uint8_t)~(1u << PIC_CASCADE);
	for (int i = 0; i < 8; i++) {
		int n = (c->top + i) & 7;
		if (busy & (1u << n))
			return -1;
		if (req & (1u << n))
			return n;
	}
	return -1;
}

static void pic_update(struct pic *p)
{
	struct pic_chip *m = &p->chip[0];
	uint8_t bit = 1u << PIC_CASCADE;
	int level;
	/* The slave's INT is a level into master IR2: it requests for as long
	 * as the slave has a request to present (so a second slave request
	 * raised while the first is acknowledged is not lost). */
	if (pic_chip_pending(&p->chip[1], 0) >= 0) {
		m->irr |= bit;
		m->lines |= bit;
	} else {
		m->irr &= (uint8_t)~bit;
		m->lines &= (uint8_t)~bit;
	}
	level = pic_chip_pending(m, 1) >= 0;
	if (level != p->intr_level) {
		p->intr_level = level;
		irq_set(&p->intr, level);
	}
}

/* INTA on one chip for input n: IRR to ISR (or auto-EOI). */
static void pic_chip_ack(struct pic_chip *c, int n)
{
	uint8_t bit = (uint8_t)(1u << n);
	if (!(pic_level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
	if (c->icw4 & PIC_ICW4_AEOI) {
		if (c->rotate_aeoi)
			c->top = (uint8_t)((n + 1) & 7);
	} else {
		c->isr |= bit;
	}
}

struct pic *pic_new(struct irq_line intr, const struct isa_log *log)
{
	struct pic *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->intr = intr;
	if (log)
		p->log = *log;
	pic_chip_reset(&p->chip[0], 0xF8);   /* PIIX3: IRQ0-2 always edge */
	pic_chip_reset(&p->chip[1], 0xDE);   /* PIIX3: IRQ8, IRQ13 always edge */
	return p;
}

void pic_reset(struct pic *p)
{
	pic_chip_reset(&p->chip[0], 0xF8);
	pic_chip_reset(&p->chip[1], 0xDE);
	pic_update(p);
}

void pic_free(struct pic *p)
{
	free(p);
}

void pic_set_irq(struct pic *p, int irq, int level)
{
	if (irq < 0 || irq > 15)
		return;
	if (irq == PIC_CASCADE) {
		isa_log_once(&p->log, &p->logged, PIC_UNIMP_IRQ2,
			     "pic: a device drove IRQ2, the cascade input; ignored");
		return;
	}
	pic_chip_set_input(&p->chip[irq >> 3], irq & 7, level != 0);
	pic_update(p);
}

void pic_irq_handler(void *opaque, int n, int level)
{
	pic_set_irq(opaque, n, level);
}

uint8_t pic_intr_ack(struct pic *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int n = pic_chip_pending(m, 1);
	uint8_t vector;

	if (n < 0) {
		vector = (uint8_t)(m->base + 7);         /* spurious IRQ7 */
	} else {
		pic_chip_ack(m, n);
		if (n == PIC_CASCADE) {
			int sn = pic_chip_pending(s, 0);
			if (sn < 0) {
				vector = (uint8_t)(s->base + 7);  /* spurious IRQ15 */
			} else {
				pic_chip_ack(s, sn);
				vector = (uint8_t)(s->base + sn);
			}
		} else {
			vector = (uint8_t)(m->base + n);
		}
	}
	pic_update(p);
	return vector;
}

int pic_intr_level(const struct pic *p)
{
	return p->intr_level;
}

/* OCW3 poll: the read acknowledges like INTA and returns I and W2-W0. */
static uint8_t pic_poll_read(struct pic *p, int ci)
{
	struct pic_chip *c = &p->chip[ci];
	int n = pic_chip_pending(c, ci == 0);
	c->poll = 0;
	if (n < 0)
		return 0;
	pic_chip_ack(c, n);
	if (ci == 1) {   /* the slave's request no longer needs the master */
		p->chip[0].irr &= (uint8_t)~(1u << PIC_CASCADE);
		p->chip[0].isr &= (uint8_t)~(1u << PIC_CASCADE);
	}
	pic_update(p);
	return (uint8_t)(0x80 | n);
}

static uint32_t pic_chip_read(struct pic *p, int ci, uint32_t offset)
{
	struct pic_chip *c = &p->chip[ci];
	if (c->poll)
		return pic_poll_read(p, ci);
	if (offset & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void pic_ocw2(struct pic_chip *c, uint8_t v)
{
	int level = v & 7, n;
	switch (v >> 5) {
	case 0: /* clear rotate in auto-EOI mode */
		c->rotate_aeoi = 0;
		break;
	case 4: /* set rotate in auto-EOI mode */
		c->rotate_aeoi = 1;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		n = pic_chip_highest(c, c->isr);
		if (n >= 0) {
			c->isr &= (uint8_t)~(1u << n);
			if (v >> 5 == 5)
				c->top = (uint8_t)((n + 1) & 7);
		}
		break;
	case 3: /* specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		c->top = (uint8_t)((level + 1) & 7);
		break;
	case 6: /* set priority: level becomes the lowest */
		c->top = (uint8_t)((level + 1) & 7);
		break;
	default: /* 2: no operation */
		break;
	}
}

static void pic_chip_write(struct pic *p, int ci, uint32_t offset, uint32_t value)
{
	struct pic_chip *c = &p->chip[ci];
	uint8_t v = (uint8_t)value;

	if (!(offset & 1)) {
		if (v & PIC_ICW1_INIT) {
			/* ICW1: IMR and ISR cleared, IR7 lowest priority, special
			 * mask off, status read set to IRR, edge latches reset. */
			c->icw1 = v;
			c->init_step = 2;
			c->imr = 0;
			c->isr = 0;
			c->irr &= c->lines & pic_level_mask(c);
			c->read_isr = 0;
			c->poll = 0;
			c->special_mask = 0;
			c->rotate_aeoi = 0;
			c->top = 0;
			if (!(v & PIC_ICW1_IC4))
				c->icw4 = 0;
		} else if (v & PIC_OCW3_SEL) {
			if (v & 0x04)
				c->poll = 1;
			if (v & 0x02)
				c->read_isr = v & 1;
			if (v & 0x40)
				c->special_mask = (v >> 5) & 1;
		} else {
			pic_ocw2(c, v);
		}
	} else {
		switch (c->init_step) {
		case 2: /* ICW2: vector base */
			c->base = v & 0xF8;
			if (c->icw1 & PIC_ICW1_SNGL) {
				isa_log_once(&p->log, &p->logged, PIC_UNIMP_SINGLE,
					     "pic: ICW1 single mode on a cascaded PIC; cascade kept");
				c->init_step = (c->icw1 & PIC_ICW1_IC4) ? 4 : 0;
			} else {
				c->init_step = 3;
			}
			break;
		case 3: /* ICW3: the PC's wiring is fixed (slave on IR2, ID 2) */
			c->init_step = (c->icw1 & PIC_ICW1_IC4) ? 4 : 0;
			break;
		case 4: /* ICW4 */
			c->icw4 = v;
			c->init_step = 0;
			if (!(v & PIC_ICW4_UPM))
				isa_log_once(&p->log, &p->logged, PIC_UNIMP_8080,
					     "pic: ICW4 MCS-80/85 mode; 8086 vectors used");
			break;
		default: /* OCW1 */
			c->imr = v;
			break;
		}
	}
	pic_update(p);
}

uint32_t pic_master_io_read(void *opaque, uint32_t offset, int size)
{
	return pic_chip_read(opaque, 0, offset);
}

void pic_master_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	pic_chip_write(opaque, 0, offset, value);
}

uint32_t pic_slave_io_read(void *opaque, uint32_t offset, int size)
{
	return pic_chip_read(opaque, 1, offset);
}

void pic_slave_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	pic_chip_write(opaque, 1, offset, value);
}

uint32_t pic_elcr_io_read(void *opaque, uint32_t offset, int size)
{
	struct pic *p = opaque;
	return p->chip[offset & 1].elcr;
}

void pic_elcr_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct pic *p = opaque;
	struct pic_chip *c = &p->chip[offset & 1];
	c->elcr = (uint8_t)value & c->elcr_mask;
	/* Inputs now level-triggered request while high. */
	c->irr |= c->lines & pic_level_mask(c);
	pic_update(p);
}

uint8_t pic_get_irr(const struct pic *p, int chip)
{
	return p->chip[chip & 1].irr;
}

uint8_t pic_get_isr(const struct pic *p, int chip)
{
	return p->chip[chip & 1].isr;
}

uint8_t pic_get_imr(const struct pic *p, int chip)
{
	return p->chip[chip & 1].imr;
}

void pic_state_visit(struct pic *p, struct state_io *s)
{
	state_io_tag(s, "pic");
	for (int i = 0; i < 2; i++) {
		struct pic_chip *c = &p->chip[i];
		uint8_t *f[] = { &c->irr, &c->isr, &c->imr, &c->lines, &c->elcr, &c->elcr_mask,
				 &c->base, &c->init_step, &c->icw1, &c->icw4, &c->read_isr,
				 &c->poll, &c->special_mask, &c->rotate_aeoi, &c->top };
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			state_io_u8(s, f[k]);
		state_io_check(s, c->init_step <= 4 && c->top < 8, "PIC state");
	}
	state_io_int(s, &p->intr_level);
}
