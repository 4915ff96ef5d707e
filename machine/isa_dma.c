/*
 * machine/isa_dma.c: 8237A register file (Intel 8237A datasheet 231466,
 * Table 2 "Software commands" and Table 3 "Word count and address register
 * command codes"; PIIX3 290550 §2.6 DMA registers). No transfers.
 */
#include "machine/isa_dma.h"
#include "machine/state_io.h"

#include <stdlib.h>
#include <string.h>

struct isa_dma_ctl {
	uint16_t addr[4];
	uint16_t count[4];
	uint8_t mode[4];          /* bits 7-2 of the mode register */
	uint8_t command;
	uint8_t mask;             /* bit n: channel n masked */
	uint8_t request;          /* software request bits */
	uint8_t tc;               /* terminal count bits (never set: no transfers) */
	uint8_t flipflop;         /* 0: next byte is the low byte */
};

struct isa_dma {
	struct isa_dma_ctl ctl[2];
	uint8_t page[15];         /* 0x81-0x8F */
};

static void isa_dma_master_clear(struct isa_dma_ctl *c)
{
	c->command = 0;
	c->request = 0;
	c->tc = 0;
	c->flipflop = 0;
	c->mask = 0x0F;
}

struct isa_dma *isa_dma_new(void)
{
	struct isa_dma *d = calloc(1, sizeof(*d));
	if (d)
		isa_dma_reset(d);
	return d;
}

void isa_dma_reset(struct isa_dma *d)
{
	memset(d, 0, sizeof(*d));
	isa_dma_master_clear(&d->ctl[0]);
	isa_dma_master_clear(&d->ctl[1]);
}

void isa_dma_free(struct isa_dma *d)
{
	free(d);
}

static uint8_t isa_dma_read(struct isa_dma_ctl *c, unsigned reg)
{
	uint8_t v;
	if (reg < 8) {
		uint16_t w = (reg & 1) ? c->count[reg >> 1] : c->addr[reg >> 1];
		v = c->flipflop ? (uint8_t)(w >> 8) : (uint8_t)w;
		c->flipflop ^= 1;
		return v;
	}
	switch (reg) {
	case 0x08: /* status: request bits 7-4, TC bits 3-0 (cleared by the read) */
		v = (uint8_t)((c->request << 4) | c->tc);
		c->tc = 0;
		return v;
	case 0x0D: /* temporary register: last memory-to-memory byte (none) */
		return 0;
	case 0x0F: /* PIIX3 reads the mask bits back here */
		return (uint8_t)(0xF0 | c->mask);
	default:   /* write-only registers */
		return 0xFF;
	}
}

static void isa_dma_write(struct isa_dma_ctl *c, unsigned reg, uint8_t v)
{
	unsigned ch = v & 3;
	if (reg < 8) {
		uint16_t *w = (reg & 1) ? &c->count[reg >> 1] : &c->addr[reg >> 1];
		if (c->flipflop)
			*w = (uint16_t)((*w & 0x00FF) | (v << 8));
		else
			*w = (uint16_t)((*w & 0xFF00) | v);
		c->flipflop ^= 1;
		return;
	}
	switch (reg) {
	case 0x08: c->command = v; break;
	case 0x09:
		if (v & 4)
			c->request |= (uint8_t)(1u << ch);
		else
			c->request &= (uint8_t)~(1u << ch);
		break;
	case 0x0A:
		if (v & 4)
			c->mask |= (uint8_t)(1u << ch);
		else
			c->mask &= (uint8_t)~(1u << ch);
		break;
	case 0x0B: c->mode[ch] = v & 0xFC; break;
	case 0x0C: c->flipflop = 0; break;
	case 0x0D: isa_dma_master_clear(c); break;
	case 0x0E: c->mask = 0; break;
	default:   c->mask = v & 0x0F; break;   /* 0x0F: write all mask bits */
	}
}

uint32_t isa_dma1_io_read(void *opaque, uint32_t offset, int size)
{
	struct isa_dma *d = opaque;
	return isa_dma_read(&d->ctl[0], offset & 0x0F);
}

void isa_dma1_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct isa_dma *d = opaque;
	isa_dma_write(&d->ctl[0], offset & 0x0F, (uint8_t)value);
}

uint32_t isa_dma2_io_read(void *opaque, uint32_t offset, int size)
{
	struct isa_dma *d = opaque;
	return isa_dma_read(&d->ctl[1], (offset >> 1) & 0x0F);
}

void isa_dma2_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct isa_dma *d = opaque;
	isa_dma_write(&d->ctl[1], (offset >> 1) & 0x0F, (uint8_t)value);
}

uint32_t isa_dma_page_io_read(void *opaque, uint32_t offset, int size)
{
	struct isa_dma *d = opaque;
	return offset < 15 ? d->page[offset] : 0xFF;
}

void isa_dma_page_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct isa_dma *d = opaque;
	if (offset < 15)
		d->page[offset] = (uint8_t)value;
}

void isa_dma_state_visit(struct isa_dma *d, struct state_io *s)
{
	state_io_tag(s, "isa-dma");
	for (int i = 0; i < 2; i++) {
		struct isa_dma_ctl *c = &d->ctl[i];
		for (int ch = 0; ch < 4; ch++) {
			state_io_u16(s, &c->addr[ch]);
			state_io_u16(s, &c->count[ch]);
			state_io_u8(s, &c->mode[ch]);
		}
		state_io_u8(s, &c->command);
		state_io_u8(s, &c->mask);
		state_io_u8(s, &c->request);
		state_io_u8(s, &c->tc);
		state_io_u8(s, &c->flipflop);
	}
	state_io_bytes(s, d->page, sizeof(d->page));
}
