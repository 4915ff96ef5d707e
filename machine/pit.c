/*
 * machine/pit.c: Intel 8254 PIT (datasheet 231164: §"Control word format",
 * §"Read operations" incl. counter latch and read-back, §"Mode definitions"
 * 0-5) and port 0x61 of the PIIX3 (290550 §4.7.1 NMI status and control).
 *
 * A channel's counter value and OUT are pure functions of the tick at which
 * its count cycle started (load_tick) and the current tick, so nothing is
 * stepped per tick. Simplification, as QEMU's i8254: the count is taken to be
 * loaded at the tick of the write (no extra load clock).
 */
#include "machine/pit.h"
#include "machine/state_io.h"

#include <stdio.h>
#include <stdlib.h>

#define PIT_NS_PER_S 1000000000u
#define PIT_REFRESH_NS 15085u

enum { PIT_UNIMP_READ_CTRL };

struct pit_channel {
	uint8_t ctrl;            /* last control word bits 5-0 (status byte) */
	uint8_t mode;            /* 0-5 */
	uint8_t rw;              /* 1 LSB, 2 MSB, 3 LSB then MSB */
	uint8_t bcd;
	uint8_t gate;
	uint8_t counting;        /* a count cycle is running (maybe paused) */
	uint8_t paused;          /* gate low froze the cycle at paused_d */
	uint8_t idle_out;        /* OUT while not counting */
	uint8_t write_lsb_pending;
	uint8_t write_lsb;
	uint8_t read_msb_next;
	uint8_t count_latched;   /* bytes of latch_value still to read (0-2) */
	uint8_t status_latched;
	uint8_t status;
	uint8_t null_count;
	uint8_t reload_pending;  /* modes 2/3: next_count starts at reload_tick */
	uint32_t count;          /* N in binary: 1..65536 (10000 in BCD) */
	uint32_t next_count;
	uint16_t hold_value;     /* counter value while not counting */
	uint16_t latch_value;
	uint64_t load_tick;
	uint64_t paused_d;
	uint64_t reload_tick;
};

struct pit {
	struct pit_channel ch[3];
	struct clock *clk;
	struct clock_timer *timer;
	struct irq_line irq0;
	uint8_t irq0_level;
	uint8_t port61;          /* bits 0-3 as written */
	struct isa_log log;
	uint32_t logged;
};

uint64_t pit_ns_to_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_FREQ_HZ / PIT_NS_PER_S);
}

uint64_t pit_ticks_to_ns(uint64_t t)
{
	unsigned __int128 n = (unsigned __int128)t * PIT_NS_PER_S + PIT_FREQ_HZ - 1;
	return (uint64_t)(n / PIT_FREQ_HZ);
}

static uint64_t pit_now_tick(const struct pit *p)
{
	return pit_ns_to_ticks(clock_now(p->clk));
}

static uint32_t pit_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint16_t pit_to_bcd(uint32_t v)
{
	return (uint16_t)((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
			  ((v / 1000 % 10) << 12));
}

static uint32_t pit_from_bcd(uint16_t v)
{
	return (v & 0xF) + ((v >> 4) & 0xF) * 10 + ((v >> 8) & 0xF) * 100 +
	       ((v >> 12) & 0xF) * 1000u;
}

/* Apply a deferred mode 2/3 reload once its tick has come. */
static void pit_sync(struct pit_channel *c, uint64_t tick)
{
	if (c->reload_pending && tick >= c->reload_tick) {
		c->count = c->next_count;
		c->load_tick = c->reload_tick;
		c->reload_pending = 0;
		c->null_count = 0;
	}
}

static uint64_t pit_elapsed(const struct pit_channel *c, uint64_t tick)
{
	return c->paused ? c->paused_d : tick - c->load_tick;
}

/* Counter value (binary) and OUT at tick. */
static void pit_state(const struct pit_channel *c, uint64_t tick, uint32_t *value, int *out)
{
	uint64_t d, n = c->count, p, h, q;
	if (!c->counting) {
		*value = c->hold_value;
		*out = c->idle_out;
		return;
	}
	d = pit_elapsed(c, tick);
	switch (c->mode) {
	case 0: /* interrupt on terminal count */
	case 1: /* hardware retriggerable one-shot */
		*out = d >= n;
		*value = (uint32_t)((n + pit_modulus(c) - d % pit_modulus(c)) % pit_modulus(c));
		break;
	case 2: /* rate generator: OUT low for the clock where the count is 1 */
		p = d % n;
		*value = (uint32_t)(n - p);
		*out = n < 2 || p != n - 1 || c->paused;
		break;
	case 3: /* square wave: high for ceil(N/2), low for floor(N/2) */
		h = (n + 1) / 2;
		p = d % n;
		*out = p < h || c->paused;
		q = p < h ? p : p - h;
		if (!(n & 1) || q == 0)
			*value = (uint32_t)(n - 2 * q);
		else
			*value = (uint32_t)(p < h ? n + 1 - 2 * q : n - 1 - 2 * q);
		break;
	default: /* 4, 5: strobes, OUT low for the clock where the count is 0 */
		*out = d != n;
		*value = (uint32_t)((n + pit_modulus(c) - d % pit_modulus(c)) % pit_modulus(c));
		break;
	}
	*value %= pit_modulus(c);   /* a full count of 65536 reads as 0 */
}

/* Next tick > tick at which OUT changes, or UINT64_MAX. */
static uint64_t pit_next_edge(const struct pit_channel *c, uint64_t tick)
{
	uint64_t d, n = c->count, p, base;
	if (!c->counting || c->paused)
		return UINT64_MAX;
	d = tick - c->load_tick;
	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? c->load_tick + n : UINT64_MAX;
	case 2:
		if (n < 2)
			return UINT64_MAX;
		p = d % n;
		base = tick - p;
		return p < n - 1 ? base + n - 1 : base + n;
	case 3:
		if (n < 2)
			return UINT64_MAX;
		p = d % n;
		base = tick - p;
		return p < (n + 1) / 2 ? base + (n + 1) / 2 : base + n;
	default:
		if (d < n)
			return c->load_tick + n;
		return d == n ? c->load_tick + n + 1 : UINT64_MAX;
	}
}

/* Bring channel 0's IRQ0 level up to date and arm the timer for its next
 * OUT transition. */
static void pit_update_irq(struct pit *p)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t tick = pit_now_tick(p), next;
	uint32_t value;
	int out;

	pit_sync(c, tick);
	pit_state(c, tick, &value, &out);
	if (out != p->irq0_level) {
		p->irq0_level = (uint8_t)out;
		irq_set(&p->irq0, out);
	}
	next = pit_next_edge(c, tick);
	if (c->reload_pending && c->reload_tick < next)
		next = c->reload_tick;
	if (next == UINT64_MAX)
		clock_timer_del(p->timer);
	else
		clock_timer_mod(p->timer, pit_ticks_to_ns(next));
}

static void pit_timer_fire(void *opaque)
{
	pit_update_irq(opaque);
}

static void pit_changed(struct pit *p, int ch)
{
	if (ch == 0)
		pit_update_irq(p);
}

/* Freeze a channel: keep its current value and OUT while not counting. */
static void pit_hold(struct pit_channel *c, uint64_t tick)
{
	uint32_t value;
	int out;
	pit_state(c, tick, &value, &out);
	c->hold_value = (uint16_t)value;
	c->idle_out = (uint8_t)out;
	c->counting = 0;
	c->paused = 0;
	c->reload_pending = 0;
}

/* Start a new count cycle at tick (gate permitting). */
static void pit_start(struct pit_channel *c, uint64_t tick)
{
	c->counting = 1;
	c->load_tick = tick;
	c->paused = 0;
	c->paused_d = 0;
	c->reload_pending = 0;
	c->null_count = 0;
	if (!c->gate && c->mode != 1 && c->mode != 5)
		c->paused = 1;     /* modes 0/4 wait, modes 2/3 wait with OUT high */
}

static void pit_load(struct pit *p, int ch, uint16_t raw)
{
	struct pit_channel *c = &p->ch[ch];
	uint64_t tick = pit_now_tick(p), d;
	uint32_t n = raw == 0 ? pit_modulus(c) : (c->bcd ? pit_from_bcd(raw) : raw);

	pit_sync(c, tick);
	if (n == 0)
		n = pit_modulus(c);   /* BCD digits that decode to 0 */
	switch (c->mode) {
	case 1:
	case 5:
		/* Loaded at the next gate trigger. */
		c->count = n;
		if (!c->counting)
			c->hold_value = (uint16_t)(n % 65536);
		break;
	case 2:
	case 3:
		if (c->counting && !c->paused) {
			/* The new count starts at the end of the current period. */
			d = tick - c->load_tick;
			c->next_count = n;
			c->reload_tick = tick - d % c->count + c->count;
			c->reload_pending = 1;
			break;
		}
		c->count = n;
		pit_start(c, tick);
		break;
	default:
		c->count = n;
		pit_start(c, tick);
		break;
	}
	pit_changed(p, ch);
}

static void pit_latch_count(struct pit *p, struct pit_channel *c)
{
	uint64_t tick = pit_now_tick(p);
	uint32_t value;
	int out;
	if (c->count_latched)
		return;       /* the first latch holds until read */
	pit_sync(c, tick);
	pit_state(c, tick, &value, &out);
	c->latch_value = c->bcd ? pit_to_bcd(value) : (uint16_t)value;
	c->count_latched = c->rw == 3 ? 2 : 1;
}

static void pit_latch_status(struct pit *p, struct pit_channel *c)
{
	uint64_t tick = pit_now_tick(p);
	uint32_t value;
	int out;
	if (c->status_latched)
		return;
	pit_sync(c, tick);
	pit_state(c, tick, &value, &out);
	c->status = (uint8_t)((out ? 0x80 : 0) | (c->null_count ? 0x40 : 0) | c->ctrl);
	c->status_latched = 1;
}

static void pit_control(struct pit *p, uint8_t v)
{
	int ch = v >> 6;
	struct pit_channel *c;

	if (ch == 3) {           /* read-back command */
		for (int i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x10))
				pit_latch_status(p, &p->ch[i]);
			if (!(v & 0x20))
				pit_latch_count(p, &p->ch[i]);
		}
		return;
	}
	c = &p->ch[ch];
	if (!(v & 0x30)) {       /* counter latch command */
		pit_latch_count(p, c);
		return;
	}
	pit_hold(c, pit_now_tick(p));
	c->ctrl = v & 0x3F;
	c->rw = (v >> 4) & 3;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;        /* 6 and 7 are 2 and 3 */
	c->bcd = v & 1;
	c->count = 0;            /* no count written yet (modes 1/5 cannot trigger) */
	c->idle_out = c->mode != 0;
	c->null_count = 1;
	c->write_lsb_pending = 0;
	c->read_msb_next = 0;
	c->count_latched = 0;
	c->status_latched = 0;
	pit_changed(p, ch);
}

static void pit_data_write(struct pit *p, int ch, uint8_t v)
{
	struct pit_channel *c = &p->ch[ch];
	switch (c->rw) {
	case 1:
		pit_load(p, ch, v);
		break;
	case 2:
		pit_load(p, ch, (uint16_t)(v << 8));
		break;
	default:
		if (!c->write_lsb_pending) {
			c->write_lsb = v;
			c->write_lsb_pending = 1;
			c->null_count = 1;
			if (c->mode == 0 && c->counting) {
				/* Mode 0: the first byte stops counting. */
				pit_hold(c, pit_now_tick(p));
				pit_changed(p, ch);
			}
		} else {
			c->write_lsb_pending = 0;
			pit_load(p, ch, (uint16_t)(c->write_lsb | (v << 8)));
		}
		break;
	}
}

static uint8_t pit_data_read(struct pit *p, int ch)
{
	struct pit_channel *c = &p->ch[ch];
	uint64_t tick;
	uint32_t value;
	uint16_t v;
	int out;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latch_value;
		if (c->rw == 3 && c->count_latched == 2) {
			c->count_latched = 1;
			return (uint8_t)v;
		}
		c->count_latched = 0;
		return (uint8_t)(c->rw == 1 ? v : v >> 8);
	}
	tick = pit_now_tick(p);
	pit_sync(c, tick);
	pit_state(c, tick, &value, &out);
	v = c->bcd ? pit_to_bcd(value) : (uint16_t)value;
	switch (c->rw) {
	case 1:
		return (uint8_t)v;
	case 2:
		return (uint8_t)(v >> 8);
	default:
		c->read_msb_next ^= 1;
		return (uint8_t)(c->read_msb_next ? v : v >> 8);
	}
}

uint32_t pit_io_read(void *opaque, uint32_t offset, int size)
{
	struct pit *p = opaque;
	offset &= 3;
	if (offset == 3) {
		/* The 8254 control register is write-only. */
		isa_log_once(&p->log, &p->logged, PIT_UNIMP_READ_CTRL,
			     "pit: read of the control port 0x43; open bus");
		return 0xFF;
	}
	return pit_data_read(p, (int)offset);
}

void pit_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct pit *p = opaque;
	offset &= 3;
	if (offset == 3)
		pit_control(p, (uint8_t)value);
	else
		pit_data_write(p, (int)offset, (uint8_t)value);
}

void pit_set_gate(struct pit *p, int ch, int level)
{
	struct pit_channel *c;
	uint64_t tick;
	if (ch < 0 || ch > 2)
		return;
	c = &p->ch[ch];
	level = level != 0;
	if (level == c->gate)
		return;
	tick = pit_now_tick(p);
	pit_sync(c, tick);
	c->gate = (uint8_t)level;
	switch (c->mode) {
	case 0:
	case 4: /* gate low suspends counting */
		if (!c->counting)
			break;
		if (!level && !c->paused) {
			c->paused_d = tick - c->load_tick;
			c->paused = 1;
		} else if (level && c->paused) {
			c->load_tick = tick - c->paused_d;
			c->paused = 0;
		}
		break;
	case 1:
	case 5: /* a rising edge (re)triggers the count */
		if (level && c->count)
			pit_start(c, tick);
		break;
	default: /* 2, 3: low forces OUT high and stops; rising edge reloads */
		if (!c->counting)
			break;
		if (!level) {
			c->paused_d = tick - c->load_tick;
			c->paused = 1;
			if (c->reload_pending) {
				c->count = c->next_count;
				c->reload_pending = 0;
			}
		} else {
			pit_start(c, tick);
		}
		break;
	}
	pit_changed(p, ch);
}

int pit_get_out(struct pit *p, int ch)
{
	struct pit_channel *c = &p->ch[ch % 3];
	uint64_t tick = pit_now_tick(p);
	uint32_t value;
	int out;
	pit_sync(c, tick);
	pit_state(c, tick, &value, &out);
	return out;
}

uint32_t pit_port61_io_read(void *opaque, uint32_t offset, int size)
{
	struct pit *p = opaque;
	uint32_t v = p->port61 & 0x0F;
	if ((clock_now(p->clk) / PIT_REFRESH_NS) & 1)
		v |= 0x10;
	if (pit_get_out(p, 2))
		v |= 0x20;
	return v;
}

void pit_port61_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct pit *p = opaque;
	p->port61 = (uint8_t)(value & 0x0F);
	pit_set_gate(p, 2, value & 1);
}

struct pit *pit_new(struct clock *clk, struct irq_line irq0, const struct isa_log *log)
{
	struct pit *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->clk = clk;
	p->irq0 = irq0;
	if (log)
		p->log = *log;
	p->timer = clock_timer_new(clk, "pit", pit_timer_fire, p);
	if (!p->timer) {
		free(p);
		return NULL;
	}
	pit_reset(p);
	return p;
}

void pit_reset(struct pit *p)
{
	uint64_t tick = pit_now_tick(p);
	for (int i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];
		*c = (struct pit_channel){ 0 };
		c->gate = i != 2;
		c->ctrl = 0x36;      /* LSB then MSB, mode 3, binary */
		c->rw = 3;
		c->mode = 3;
		c->idle_out = 1;
		c->count = 65536;
		pit_start(c, tick);
	}
	p->port61 = 0;
	pit_update_irq(p);
}

void pit_free(struct pit *p)
{
	if (!p)
		return;
	clock_timer_free(p->timer);
	free(p);
}

void pit_state_visit(struct pit *p, struct state_io *s)
{
	state_io_tag(s, "pit");
	for (int i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];
		uint8_t *f[] = { &c->ctrl, &c->mode, &c->rw, &c->bcd, &c->gate, &c->counting,
				 &c->paused, &c->idle_out, &c->write_lsb_pending, &c->write_lsb,
				 &c->read_msb_next, &c->count_latched, &c->status_latched,
				 &c->status, &c->null_count, &c->reload_pending };
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			state_io_u8(s, f[k]);
		state_io_u32(s, &c->count);
		state_io_u32(s, &c->next_count);
		state_io_u16(s, &c->hold_value);
		state_io_u16(s, &c->latch_value);
		state_io_u64(s, &c->load_tick);
		state_io_u64(s, &c->paused_d);
		state_io_u64(s, &c->reload_tick);
		state_io_check(s, c->mode <= 5 && c->rw <= 3 && c->count_latched <= 2 &&
			       c->count >= 1 && c->count <= 65536 && c->next_count <= 65536,
			       "PIT channel state");
	}
	state_io_u8(s, &p->irq0_level);
	state_io_u8(s, &p->port61);
}
