/*
 * machine/i8042.c: 8042 keyboard controller (IBM PC/AT Technical Reference,
 * "Keyboard controller": status register, command byte, commands 20h-FFh,
 * output port) with a PS/2 keyboard (IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboard and auxiliary device controller", keyboard commands
 * EDh-FFh) and a minimal PS/2 mouse. Replies are produced at once, like
 * QEMU's hw/input/pckbd.c and ps2.c; none of this needs timers.
 */
#include "machine/i8042.h"
#include "machine/state_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KBC_STAT_OBF 0x01
#define KBC_STAT_SYS 0x04
#define KBC_STAT_CMD 0x08
#define KBC_STAT_UNLOCKED 0x10
#define KBC_STAT_AUX_OBF 0x20
#define KBC_MODE_KBD_INT 0x01
#define KBC_MODE_AUX_INT 0x02
#define KBC_MODE_SYS 0x04
#define KBC_MODE_DISABLE_KBD 0x10
#define KBC_MODE_DISABLE_AUX 0x20
#define KBC_MODE_XLATE 0x40
#define KBC_OUT_RESET 0x01
#define KBC_OUT_A20 0x02
#define KBC_OUT_OBF 0x10
#define KBC_OUT_AUX_OBF 0x20
#define KBC_OUT_ONES 0xCC
#define KBD_ACK 0xFA
#define KBD_RESEND 0xFE
#define KBD_BAT_OK 0xAA
#define I8042_QLEN 16

enum { SRC_CTL_KBD, SRC_CTL_AUX, SRC_KBD, SRC_AUX, SRC_N };
enum { I8042_UNIMP_CMD, I8042_UNIMP_MOUSE };

struct i8042_queue {
	uint8_t data[I8042_QLEN];
	uint8_t head, count;
};

struct i8042 {
	uint8_t status;          /* bits 2, 3, 4; OBF bits derived from ob_full */
	uint8_t mode;            /* the command byte */
	uint8_t outport;
	uint8_t write_cmd;       /* command waiting for a data byte on 0x60 */
	uint8_t ob_full, ob_data, ob_src;
	uint8_t xlate_break;     /* set 2 break prefix F0 seen while translating */
	struct i8042_queue q[SRC_N];
	/* keyboard */
	uint8_t kbd_scan, kbd_set, kbd_leds, kbd_cmd;
	/* mouse */
	uint8_t aux_enabled, aux_cmd, aux_rate, aux_res, aux_scale;
	uint8_t irq1_level, irq12_level;
	struct irq_line irq1, irq12;
	struct i8042_callbacks cb;
	struct isa_log log;
	uint32_t logged;
};

/* Scancode set 2 to set 1, as the 8042 translates (IBM PS/2 technical
 * reference); bytes >= 0x80 pass unchanged except 0x83 (F7) and 0x84. */
static const uint8_t i8042_xlate[128] = {
	0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
	0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
	0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
	0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
	0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
	0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
	0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
	0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

static int i8042_push(struct i8042_queue *q, uint8_t b)
{
	if (q->count >= I8042_QLEN)
		return -1;
	q->data[(q->head + q->count) % I8042_QLEN] = b;
	q->count++;
	return 0;
}

static uint8_t i8042_pop(struct i8042_queue *q)
{
	uint8_t b = q->data[q->head];
	q->head = (uint8_t)((q->head + 1) % I8042_QLEN);
	q->count--;
	return b;
}

static void i8042_queue_clear(struct i8042_queue *q)
{
	memset(q, 0, sizeof(*q));
}

static void i8042_update_irq(struct i8042 *k)
{
	int aux = k->ob_src == SRC_CTL_AUX || k->ob_src == SRC_AUX;
	/* As QEMU: IRQ1 also needs the keyboard interface enabled. */
	int l1 = k->ob_full && !aux && (k->mode & KBC_MODE_KBD_INT) &&
		 !(k->mode & KBC_MODE_DISABLE_KBD);
	int l12 = k->ob_full && aux && (k->mode & KBC_MODE_AUX_INT);
	if (l1 != k->irq1_level) {
		k->irq1_level = (uint8_t)l1;
		irq_set(&k->irq1, l1);
	}
	if (l12 != k->irq12_level) {
		k->irq12_level = (uint8_t)l12;
		irq_set(&k->irq12, l12);
	}
}

/* Move the next byte into the output buffer if it is empty: controller
 * replies first, then the keyboard, then the mouse (each unless disabled). */
static void i8042_fill(struct i8042 *k)
{
	while (!k->ob_full) {
		int src;
		uint8_t b;
		if (k->q[SRC_CTL_KBD].count)
			src = SRC_CTL_KBD;
		else if (k->q[SRC_CTL_AUX].count)
			src = SRC_CTL_AUX;
		else if (k->q[SRC_KBD].count && !(k->mode & KBC_MODE_DISABLE_KBD))
			src = SRC_KBD;
		else if (k->q[SRC_AUX].count && !(k->mode & KBC_MODE_DISABLE_AUX))
			src = SRC_AUX;
		else
			break;
		b = i8042_pop(&k->q[src]);
		if (src == SRC_KBD && (k->mode & KBC_MODE_XLATE)) {
			if (b == 0xF0) {
				k->xlate_break = 1;
				continue;           /* folded into the next byte */
			}
			if (b < 0x80)
				b = i8042_xlate[b];
			else if (b == 0x83)
				b = 0x41;
			else if (b == 0x84)
				b = 0x54;
			if (k->xlate_break)
				b |= 0x80;
			k->xlate_break = 0;
		}
		k->ob_full = 1;
		k->ob_data = b;
		k->ob_src = (uint8_t)src;
	}
	k->outport &= (uint8_t)~(KBC_OUT_OBF | KBC_OUT_AUX_OBF);
	if (k->ob_full)
		k->outport |= (k->ob_src == SRC_CTL_AUX || k->ob_src == SRC_AUX) ?
				      KBC_OUT_AUX_OBF : KBC_OUT_OBF;
	i8042_update_irq(k);
}

static void i8042_reply(struct i8042 *k, uint8_t b)
{
	i8042_push(&k->q[SRC_CTL_KBD], b);
}

static void i8042_kbd_send(struct i8042 *k, uint8_t b)
{
	i8042_push(&k->q[SRC_KBD], b);
}

static void i8042_aux_send(struct i8042 *k, uint8_t b)
{
	i8042_push(&k->q[SRC_AUX], b);
}

/* ---- the PS/2 keyboard ---- */

static void i8042_kbd_defaults(struct i8042 *k)
{
	i8042_queue_clear(&k->q[SRC_KBD]);
	k->kbd_set = 2;
	k->kbd_leds = 0;
	k->kbd_cmd = 0;
}

static void i8042_kbd_write(struct i8042 *k, uint8_t v)
{
	uint8_t pending = k->kbd_cmd;
	k->kbd_cmd = 0;
	switch (pending) {
	case 0xED: /* LEDs */
		k->kbd_leds = v & 7;
		i8042_kbd_send(k, KBD_ACK);
		return;
	case 0xF3: /* typematic rate/delay */
		i8042_kbd_send(k, KBD_ACK);
		return;
	case 0xF0: /* scancode set: 0 asks, 1-3 select */
		if (v == 0) {
			i8042_kbd_send(k, KBD_ACK);
			i8042_kbd_send(k, k->kbd_set);
		} else if (v <= 3) {
			k->kbd_set = v;
			i8042_kbd_send(k, KBD_ACK);
		} else {
			i8042_kbd_send(k, KBD_RESEND);
		}
		return;
	default:
		break;
	}
	switch (v) {
	case 0xED:
	case 0xF3:
	case 0xF0:
		k->kbd_cmd = v;
		i8042_kbd_send(k, KBD_ACK);
		break;
	case 0xEE: /* echo */
		i8042_kbd_send(k, 0xEE);
		break;
	case 0xF2: /* identify: MF2 keyboard */
		i8042_kbd_send(k, KBD_ACK);
		i8042_kbd_send(k, 0xAB);
		i8042_kbd_send(k, 0x83);
		break;
	case 0xF4: /* enable scanning */
		k->kbd_scan = 1;
		i8042_kbd_send(k, KBD_ACK);
		break;
	case 0xF5: /* defaults, scanning off */
		i8042_kbd_defaults(k);
		k->kbd_scan = 0;
		i8042_kbd_send(k, KBD_ACK);
		break;
	case 0xF6: /* defaults, scanning on */
		i8042_kbd_defaults(k);
		k->kbd_scan = 1;
		i8042_kbd_send(k, KBD_ACK);
		break;
	case 0xFF: /* reset and self test (BAT passed) */
		i8042_kbd_defaults(k);
		k->kbd_scan = 1;
		i8042_kbd_send(k, KBD_ACK);
		i8042_kbd_send(k, KBD_BAT_OK);
		break;
	case 0x00:
	case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
		i8042_kbd_send(k, KBD_ACK);     /* set-3 key types: accepted */
		break;
	default:
		i8042_kbd_send(k, KBD_RESEND);
		break;
	}
}

/* ---- the minimal PS/2 mouse ---- */

static void i8042_aux_defaults(struct i8042 *k)
{
	i8042_queue_clear(&k->q[SRC_AUX]);
	k->aux_enabled = 0;
	k->aux_cmd = 0;
	k->aux_rate = 100;
	k->aux_res = 2;
	k->aux_scale = 0;
}

static void i8042_aux_write(struct i8042 *k, uint8_t v)
{
	uint8_t pending = k->aux_cmd;
	k->aux_cmd = 0;
	if (pending == 0xF3 || pending == 0xE8) {
		if (pending == 0xF3)
			k->aux_rate = v;
		else
			k->aux_res = v & 3;
		i8042_aux_send(k, KBD_ACK);
		return;
	}
	switch (v) {
	case 0xF3: case 0xE8:
		k->aux_cmd = v;
		i8042_aux_send(k, KBD_ACK);
		break;
	case 0xE6: case 0xE7:
		k->aux_scale = v == 0xE7;
		i8042_aux_send(k, KBD_ACK);
		break;
	case 0xE9: /* status request */
		i8042_aux_send(k, KBD_ACK);
		i8042_aux_send(k, (uint8_t)((k->aux_enabled << 5) | (k->aux_scale << 4)));
		i8042_aux_send(k, k->aux_res);
		i8042_aux_send(k, k->aux_rate);
		break;
	case 0xF2: /* identify: standard mouse */
		i8042_aux_send(k, KBD_ACK);
		i8042_aux_send(k, 0x00);
		break;
	case 0xF4:
		k->aux_enabled = 1;
		i8042_aux_send(k, KBD_ACK);
		break;
	case 0xF5:
		k->aux_enabled = 0;
		i8042_aux_send(k, KBD_ACK);
		break;
	case 0xF6:
		i8042_aux_defaults(k);
		i8042_aux_send(k, KBD_ACK);
		break;
	case 0xFF:
		i8042_aux_defaults(k);
		i8042_aux_send(k, KBD_ACK);
		i8042_aux_send(k, KBD_BAT_OK);
		i8042_aux_send(k, 0x00);
		break;
	case 0xEA: case 0xEB: case 0xEC: case 0xEE: case 0xF0:
		i8042_aux_send(k, KBD_ACK);     /* modes without movement data */
		break;
	default:
		isa_log_once(&k->log, &k->logged, I8042_UNIMP_MOUSE,
			     "i8042: unknown PS/2 mouse command; answered RESEND");
		i8042_aux_send(k, KBD_RESEND);
		break;
	}
}

/* ---- the controller ---- */

static void i8042_write_outport(struct i8042 *k, uint8_t v)
{
	uint8_t old = k->outport;
	k->outport = v;
	if (((old ^ v) & KBC_OUT_A20) && k->cb.a20_set)
		k->cb.a20_set(k->cb.opaque, (v & KBC_OUT_A20) != 0);
	if (!(v & KBC_OUT_RESET) && k->cb.reset_request)
		k->cb.reset_request(k->cb.opaque, ISA_RESET_INIT);
}

static void i8042_command(struct i8042 *k, uint8_t c)
{
	char msg[80];
	switch (c) {
	case 0x20: /* read command byte */
		i8042_reply(k, k->mode);
		break;
	case 0x60: case 0xD1: case 0xD2: case 0xD3: case 0xD4:
		k->write_cmd = c;    /* the parameter follows on 0x60 */
		break;
	case 0xA7: k->mode |= KBC_MODE_DISABLE_AUX; break;
	case 0xA8: k->mode &= (uint8_t)~KBC_MODE_DISABLE_AUX; break;
	case 0xA9: i8042_reply(k, 0x00); break;          /* aux interface OK */
	case 0xAA: /* self test */
		k->status |= KBC_STAT_SYS;
		i8042_reply(k, 0x55);
		break;
	case 0xAB: i8042_reply(k, 0x00); break;          /* kbd interface OK */
	case 0xAD: k->mode |= KBC_MODE_DISABLE_KBD; break;
	case 0xAE: k->mode &= (uint8_t)~KBC_MODE_DISABLE_KBD; break;
	case 0xC0: i8042_reply(k, 0x80); break;          /* input port: not inhibited */
	case 0xD0: i8042_reply(k, k->outport); break;
	case 0xDD: i8042_write_outport(k, k->outport & (uint8_t)~KBC_OUT_A20); break;
	case 0xDF: i8042_write_outport(k, k->outport | KBC_OUT_A20); break;
	case 0xE0: i8042_reply(k, 0x00); break;          /* test inputs */
	default:
		if (c >= 0xF0) {
			/* Pulse output port bits 0-3 low for 6 us where c has a 0:
			 * only bit 0 (CPU reset) is wired. */
			if (!(c & 1) && k->cb.reset_request)
				k->cb.reset_request(k->cb.opaque, ISA_RESET_INIT);
			break;
		}
		snprintf(msg, sizeof(msg), "i8042: unimplemented controller command 0x%02x", c);
		isa_log_once(&k->log, &k->logged, I8042_UNIMP_CMD, msg);
		break;
	}
}

static void i8042_data(struct i8042 *k, uint8_t v)
{
	uint8_t pending = k->write_cmd;
	k->write_cmd = 0;
	switch (pending) {
	case 0x60:
		k->mode = v;
		k->status = (uint8_t)((k->status & ~KBC_STAT_SYS) | (v & KBC_MODE_SYS));
		break;
	case 0xD1:
		i8042_write_outport(k, v);
		break;
	case 0xD2:
		i8042_push(&k->q[SRC_CTL_KBD], v);
		break;
	case 0xD3:
		i8042_push(&k->q[SRC_CTL_AUX], v);
		break;
	case 0xD4:
		k->mode &= (uint8_t)~KBC_MODE_DISABLE_AUX;
		i8042_aux_write(k, v);
		break;
	default:
		/* Sending to the keyboard re-enables its interface (as QEMU). */
		k->mode &= (uint8_t)~KBC_MODE_DISABLE_KBD;
		i8042_kbd_write(k, v);
		break;
	}
}

uint32_t i8042_data_io_read(void *opaque, uint32_t offset, int size)
{
	struct i8042 *k = opaque;
	uint8_t v = k->ob_data;          /* an empty buffer repeats the last byte */
	k->ob_full = 0;
	i8042_fill(k);
	return v;
}

void i8042_data_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct i8042 *k = opaque;
	k->status &= (uint8_t)~KBC_STAT_CMD;
	i8042_data(k, (uint8_t)value);
	i8042_fill(k);
}

uint32_t i8042_cmd_io_read(void *opaque, uint32_t offset, int size)
{
	struct i8042 *k = opaque;
	uint8_t v = k->status;
	if (k->ob_full) {
		v |= KBC_STAT_OBF;
		if (k->ob_src == SRC_CTL_AUX || k->ob_src == SRC_AUX)
			v |= KBC_STAT_AUX_OBF;
	}
	return v;
}

void i8042_cmd_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct i8042 *k = opaque;
	k->status |= KBC_STAT_CMD;
	k->write_cmd = 0;
	i8042_command(k, (uint8_t)value);
	i8042_fill(k);
}

int i8042_key(struct i8042 *k, uint8_t byte)
{
	int r;
	if (!k->kbd_scan)
		return -1;
	r = i8042_push(&k->q[SRC_KBD], byte);
	i8042_fill(k);
	return r;
}

int i8042_kbd_scancode_set(const struct i8042 *k)
{
	return k->kbd_set;
}

uint8_t i8042_kbd_leds(const struct i8042 *k)
{
	return k->kbd_leds;
}

struct i8042 *i8042_new(struct irq_line irq1, struct irq_line irq12,
			const struct i8042_callbacks *cb, const struct isa_log *log)
{
	struct i8042 *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->irq1 = irq1;
	k->irq12 = irq12;
	if (cb)
		k->cb = *cb;
	if (log)
		k->log = *log;
	i8042_reset(k);
	return k;
}

void i8042_reset(struct i8042 *k)
{
	for (int i = 0; i < SRC_N; i++)
		i8042_queue_clear(&k->q[i]);
	k->status = KBC_STAT_CMD | KBC_STAT_UNLOCKED;
	k->mode = KBC_MODE_KBD_INT | KBC_MODE_AUX_INT;
	k->outport = KBC_OUT_RESET | KBC_OUT_A20 | KBC_OUT_ONES;
	k->write_cmd = 0;
	k->ob_full = 0;
	k->ob_data = 0;
	k->ob_src = 0;
	k->xlate_break = 0;
	i8042_kbd_defaults(k);
	k->kbd_scan = 1;
	i8042_aux_defaults(k);
	i8042_fill(k);
}

void i8042_free(struct i8042 *k)
{
	free(k);
}

void i8042_state_visit(struct i8042 *k, struct state_io *s)
{
	uint8_t *f[] = { &k->status, &k->mode, &k->outport, &k->write_cmd, &k->ob_full,
			 &k->ob_data, &k->ob_src, &k->xlate_break, &k->kbd_scan, &k->kbd_set,
			 &k->kbd_leds, &k->kbd_cmd, &k->aux_enabled, &k->aux_cmd, &k->aux_rate,
			 &k->aux_res, &k->aux_scale, &k->irq1_level, &k->irq12_level };

	state_io_tag(s, "i8042");
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		state_io_u8(s, f[i]);
	for (int i = 0; i < SRC_N; i++) {
		state_io_bytes(s, k->q[i].data, I8042_QLEN);
		state_io_u8(s, &k->q[i].head);
		state_io_u8(s, &k->q[i].count);
		state_io_check(s, k->q[i].head < I8042_QLEN && k->q[i].count <= I8042_QLEN,
			       "i8042 queue");
	}
	state_io_check(s, k->ob_src < SRC_N, "i8042 output source");
}
