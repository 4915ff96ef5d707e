/*
 * machine/isa_misc.c: debug console (QEMU hw/char/debugcon.c behaviour:
 * reads 0xE9), POST port 0x80, isa-debug-exit, and port 0x92 (PIIX3
 * datasheet 290550 §4.7.2 "Port 92h": bit 0 FAST_INIT, bit 1 ALT_A20).
 */
#include "machine/isa_misc.h"
#include "machine/state_io.h"

#include <stdlib.h>

struct debugcon {
	void (*out)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

struct debugcon *debugcon_new(void (*out)(void *opaque, const uint8_t *buf, size_t len),
			      void *opaque)
{
	struct debugcon *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->out = out;
	d->opaque = opaque;
	return d;
}

void debugcon_reset(struct debugcon *d)
{
	(void)d;
}

void debugcon_free(struct debugcon *d)
{
	free(d);
}

uint32_t debugcon_io_read(void *opaque, uint32_t offset, int size)
{
	/* SeaBIOS only prints to the port when it reads back 0xE9. */
	return 0xE9;
}

void debugcon_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct debugcon *d = opaque;
	uint8_t b = (uint8_t)value;
	if (d->out)
		d->out(d->opaque, &b, 1);
}

struct post_port {
	uint8_t code;
};

struct post_port *post_port_new(void)
{
	return calloc(1, sizeof(struct post_port));
}

void post_port_reset(struct post_port *pp)
{
	(void)pp;
}

void post_port_free(struct post_port *pp)
{
	free(pp);
}

uint32_t post_port_io_read(void *opaque, uint32_t offset, int size)
{
	struct post_port *pp = opaque;
	return pp->code;   /* a DMA page register on real boards: reads back */
}

void post_port_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct post_port *pp = opaque;
	pp->code = (uint8_t)value;
}

uint8_t post_port_get(const struct post_port *pp)
{
	return pp->code;
}

struct debug_exit {
	void (*exit_request)(void *opaque, int value);
	void *opaque;
};

struct debug_exit *debug_exit_new(void (*exit_request)(void *opaque, int value),
				  void *opaque)
{
	struct debug_exit *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->exit_request = exit_request;
	e->opaque = opaque;
	return e;
}

void debug_exit_reset(struct debug_exit *e)
{
	(void)e;
}

void debug_exit_free(struct debug_exit *e)
{
	free(e);
}

uint32_t debug_exit_io_read(void *opaque, uint32_t offset, int size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void debug_exit_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct debug_exit *e = opaque;
	if (size < 4)
		value &= (1u << (8 * size)) - 1;
	if (e->exit_request)
		e->exit_request(e->opaque, (int)value);
}

struct port92 {
	uint8_t value;
	void (*a20_set)(void *opaque, int on);
	void (*reset_request)(void *opaque, int kind);
	void *opaque;
};

struct port92 *port92_new(void (*a20_set)(void *opaque, int on),
			  void (*reset_request)(void *opaque, int kind), void *opaque)
{
	struct port92 *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->a20_set = a20_set;
	p->reset_request = reset_request;
	p->opaque = opaque;
	port92_reset(p);
	return p;
}

void port92_reset(struct port92 *p)
{
	p->value = 0x02;
}

void port92_free(struct port92 *p)
{
	free(p);
}

uint32_t port92_io_read(void *opaque, uint32_t offset, int size)
{
	struct port92 *p = opaque;
	return p->value;
}

void port92_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct port92 *p = opaque;
	uint8_t old = p->value, v = (uint8_t)value;
	p->value = v;
	if (((old ^ v) & 0x02) && p->a20_set)
		p->a20_set(p->opaque, (v >> 1) & 1);
	if ((v & 0x01) && !(old & 0x01) && p->reset_request)
		p->reset_request(p->opaque, ISA_RESET_INIT);
}

void post_port_state_visit(struct post_port *pp, struct state_io *s)
{
	state_io_tag(s, "post");
	state_io_u8(s, &pp->code);
}

void port92_state_visit(struct port92 *p, struct state_io *s)
{
	state_io_tag(s, "port92");
	state_io_u8(s, &p->value);
}
