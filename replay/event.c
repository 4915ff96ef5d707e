/* replay/event.c: trace event names, checks, and payload encode/decode. */
#include "replay/event.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "replay/varint.h"

static const char *const kind_names[TRACE_EV_KIND_END] = {
	[TRACE_EV_ROM_LOAD] = "ROM_LOAD",
	[TRACE_EV_ROM_RESET] = "ROM_RESET",
	[TRACE_EV_PAM] = "PAM",
	[TRACE_EV_SMRAM] = "SMRAM",
	[TRACE_EV_SYSTEM_RESET] = "SYSTEM_RESET",
	[TRACE_EV_CPU_MODE] = "CPU_MODE",
	[TRACE_EV_INTERRUPT] = "INTERRUPT",
	[TRACE_EV_IO] = "IO",
	[TRACE_EV_DEBUG_OUT] = "DEBUG_OUT",
	[TRACE_EV_SERIAL_OUT] = "SERIAL_OUT",
	[TRACE_EV_INPUT] = "INPUT",
	[TRACE_EV_MILESTONE] = "MILESTONE",
	[TRACE_EV_CHECKPOINT] = "CHECKPOINT",
	[TRACE_EV_SMM] = "SMM",
};

static const char *const stream_names[TRACE_NSTREAMS] = {
	"io", "pam", "int", "debug", "milestone", "input", "all",
};

static const char *const milestone_names[TRACE_MS_END] = {
	"reset", "reset-vector", "pam-unlock", "shadow-done", "pam-lock",
	"int19", "boot-read", "mbr", "exit",
};

static const char *const cause_names[TRACE_RESET_CAUSE_END] = {
	"power-on", "cf9-hard", "monitor", "cf9-soft", "port92", "kbc", "triple-fault",
};

static const char *const int_kind_names[TRACE_INT_KIND_END] = {
	"hard", "soft", "exception", "nmi",
};

static const char *const input_kind_names[TRACE_INPUT_KIND_END] = {
	"serial", "key", "monitor-mem", "monitor-reg", "idle",
};

int trace_event_in_format(const struct trace_event *ev, uint32_t version)
{
	if (version >= 2)
		return 1;
	switch (ev->kind) {
	case TRACE_EV_SMM: return 0;
	case TRACE_EV_IO: return !ev->u.io.mmio;
	case TRACE_EV_MILESTONE: return ev->u.milestone.id != TRACE_MS_SHADOW_DONE;
	case TRACE_EV_INPUT: return ev->u.input.kind != TRACE_INPUT_IDLE;
	default: return 1;
	}
}

const char *trace_event_kind_name(enum trace_event_kind kind)
{
	return (unsigned)kind < TRACE_EV_KIND_END ? kind_names[kind] : NULL;
}

/* Case-insensitive compare treating '-' and '_' alike. */
static int name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = *a == '-' ? '_' : tolower((unsigned char)*a);
		int y = *b == '-' ? '_' : tolower((unsigned char)*b);
		if (x != y)
			return 0;
		if (!x)
			return 1;
	}
}

enum trace_event_kind trace_event_kind_parse(const char *name)
{
	for (int k = 1; k < TRACE_EV_KIND_END; k++)
		if (name_eq(name, kind_names[k]))
			return (enum trace_event_kind)k;
	return 0;
}

const char *trace_stream_name(enum trace_stream s)
{
	return (unsigned)s < TRACE_NSTREAMS ? stream_names[s] : NULL;
}

const char *trace_milestone_name(enum trace_milestone id)
{
	return (unsigned)id < TRACE_MS_END ? milestone_names[id] : NULL;
}

int trace_milestone_parse(const char *name)
{
	for (int i = 0; i < TRACE_MS_END; i++)
		if (name_eq(name, milestone_names[i]))
			return i;
	return -1;
}

const char *trace_reset_cause_name(enum trace_reset_cause c)
{
	return (unsigned)c < TRACE_RESET_CAUSE_END ? cause_names[c] : NULL;
}

const char *trace_int_kind_name(enum trace_int_kind k)
{
	return (unsigned)k < TRACE_INT_KIND_END ? int_kind_names[k] : NULL;
}

const char *trace_input_kind_name(enum trace_input_kind k)
{
	return (unsigned)k < TRACE_INPUT_KIND_END ? input_kind_names[k] : NULL;
}

const signed char trace_event_streams[TRACE_EV_KIND_END] = {
	[0] = -1,
	[TRACE_EV_ROM_LOAD] = TRACE_STREAM_ALL,
	[TRACE_EV_ROM_RESET] = TRACE_STREAM_PAM,
	[TRACE_EV_PAM] = TRACE_STREAM_PAM,
	[TRACE_EV_SMRAM] = TRACE_STREAM_PAM,
	[TRACE_EV_SYSTEM_RESET] = TRACE_STREAM_PAM,
	[TRACE_EV_CPU_MODE] = TRACE_STREAM_INT,
	[TRACE_EV_INTERRUPT] = TRACE_STREAM_INT,
	[TRACE_EV_IO] = TRACE_STREAM_IO,
	[TRACE_EV_DEBUG_OUT] = TRACE_STREAM_DEBUG,
	[TRACE_EV_SERIAL_OUT] = TRACE_STREAM_DEBUG,
	[TRACE_EV_INPUT] = TRACE_STREAM_INPUT,
	[TRACE_EV_MILESTONE] = TRACE_STREAM_MILESTONE,
	[TRACE_EV_CHECKPOINT] = -1,
	[TRACE_EV_SMM] = TRACE_STREAM_INT,
};

static int bad(char *err, size_t errlen, const char *what, uint64_t v)
{
	snprintf(err, errlen, "%s %llu out of range", what, (unsigned long long)v);
	return -1;
}

int trace_event_check(const struct trace_event *ev, char *err, size_t errlen)
{
	switch (ev->kind) {
	case TRACE_EV_ROM_LOAD: case TRACE_EV_ROM_RESET: case TRACE_EV_SMRAM:
	case TRACE_EV_CPU_MODE: case TRACE_EV_CHECKPOINT:
		return 0;
	case TRACE_EV_PAM:
		if (ev->u.pam.reg < 0x59 || ev->u.pam.reg > 0x5f)
			return bad(err, errlen, "PAM register", ev->u.pam.reg);
		return 0;
	case TRACE_EV_SYSTEM_RESET:
		if ((unsigned)ev->u.system_reset.cause >= TRACE_RESET_CAUSE_END)
			return bad(err, errlen, "reset cause", ev->u.system_reset.cause);
		return 0;
	case TRACE_EV_INTERRUPT:
		if ((unsigned)ev->u.interrupt.kind >= TRACE_INT_KIND_END)
			return bad(err, errlen, "interrupt kind", ev->u.interrupt.kind);
		return 0;
	case TRACE_EV_IO: {
		uint8_t s = ev->u.io.size;
		if (s != 1 && s != 2 && s != 4 && s != 8)
			return bad(err, errlen, "IO size", s);
		if (!ev->u.io.mmio && ev->u.io.addr > 0xffff)
			return bad(err, errlen, "IO port", ev->u.io.addr);
		if (s < 8 && ev->u.io.value >> (8 * s))
			return bad(err, errlen, "IO value", ev->u.io.value);
		return 0;
	}
	case TRACE_EV_DEBUG_OUT: case TRACE_EV_SERIAL_OUT:
		if (ev->u.out.len > TRACE_EVENT_MAX_DATA)
			return bad(err, errlen, "output length", ev->u.out.len);
		if (ev->u.out.len && !ev->u.out.data)
			return bad(err, errlen, "output data (NULL) of length", ev->u.out.len);
		return 0;
	case TRACE_EV_INPUT:
		if ((unsigned)ev->u.input.kind >= TRACE_INPUT_KIND_END)
			return bad(err, errlen, "input kind", ev->u.input.kind);
		if (ev->u.input.len > TRACE_EVENT_MAX_DATA)
			return bad(err, errlen, "input length", ev->u.input.len);
		if (ev->u.input.len && !ev->u.input.data)
			return bad(err, errlen, "input data (NULL) of length", ev->u.input.len);
		if (ev->u.input.kind == TRACE_INPUT_IDLE && ev->u.input.len)
			return bad(err, errlen, "idle input length", ev->u.input.len);
		return 0;
	case TRACE_EV_MILESTONE:
		if ((unsigned)ev->u.milestone.id >= TRACE_MS_END)
			return bad(err, errlen, "milestone id", ev->u.milestone.id);
		return 0;
	case TRACE_EV_SMM:
		if ((unsigned)ev->u.smm.enter > 1)
			return bad(err, errlen, "SMM direction", (unsigned)ev->u.smm.enter);
		return 0;
	default:
		return bad(err, errlen, "event kind", ev->kind);
	}
}

static unsigned log2_size(uint8_t s)
{
	return s == 8 ? 3 : s == 4 ? 2 : s == 2 ? 1 : 0;
}

static uint8_t *put_le64_at(uint8_t *p, uint64_t v)
{
	le_put64(p, v);
	return p + 8;
}

static uint8_t *put_bytes_at(uint8_t *p, const uint8_t *data, uint32_t len)
{
	p = bytebuf_uvar_at(p, len);
	if (len)
		memcpy(p, data, len);
	return p + len;
}

uint8_t *trace_event_encode_payload_at(const struct trace_event *ev, uint8_t *p)
{
	switch (ev->kind) {
	case TRACE_EV_ROM_LOAD:
		p = bytebuf_uvar_at(p, ev->u.rom_load.blob);
		p = bytebuf_uvar_at(p, ev->u.rom_load.addr);
		return bytebuf_uvar_at(p, ev->u.rom_load.size);
	case TRACE_EV_ROM_RESET:
		p = bytebuf_uvar_at(p, ev->u.rom_reset.boot);
		return bytebuf_uvar_at(p, ev->u.rom_reset.nblobs);
	case TRACE_EV_PAM:
		p = bytebuf_uvar_at(p, ev->u.pam.reg);
		p = bytebuf_uvar_at(p, ev->u.pam.old_val);
		return bytebuf_uvar_at(p, ev->u.pam.new_val);
	case TRACE_EV_SMRAM:
		p = bytebuf_uvar_at(p, ev->u.smram.old_val);
		return bytebuf_uvar_at(p, ev->u.smram.new_val);
	case TRACE_EV_SYSTEM_RESET:
		return bytebuf_uvar_at(p, ev->u.system_reset.cause);
	case TRACE_EV_CPU_MODE:
		p = bytebuf_uvar_at(p, ev->u.cpu_mode.old_cr0);
		return bytebuf_uvar_at(p, ev->u.cpu_mode.new_cr0);
	case TRACE_EV_INTERRUPT:
		p = bytebuf_uvar_at(p, ev->u.interrupt.vector);
		p = bytebuf_uvar_at(p, ev->u.interrupt.kind);
		p = bytebuf_uvar_at(p, ev->u.interrupt.cs);
		p = bytebuf_uvar_at(p, ev->u.interrupt.eip);
		return bytebuf_uvar_at(p, ev->u.interrupt.has_error ?
					       (uint64_t)ev->u.interrupt.error + 1 : 0);
	case TRACE_EV_IO:
		p = bytebuf_uvar_at(p, (uint64_t)(ev->u.io.write ? 1 : 0) | (ev->u.io.mmio ? 2 : 0) |
					       log2_size(ev->u.io.size) << 2);
		p = bytebuf_uvar_at(p, ev->u.io.addr);
		return bytebuf_uvar_at(p, ev->u.io.value);
	case TRACE_EV_DEBUG_OUT: case TRACE_EV_SERIAL_OUT:
		p = bytebuf_uvar_at(p, ev->u.out.port);
		return put_bytes_at(p, ev->u.out.data, ev->u.out.len);
	case TRACE_EV_INPUT:
		p = bytebuf_uvar_at(p, ev->u.input.kind);
		p = bytebuf_uvar_at(p, ev->u.input.addr);
		return put_bytes_at(p, ev->u.input.data, ev->u.input.len);
	case TRACE_EV_MILESTONE:
		p = bytebuf_uvar_at(p, ev->u.milestone.id);
		return bytebuf_uvar_at(p, ev->u.milestone.boot);
	case TRACE_EV_SMM:
		p = bytebuf_uvar_at(p, ev->u.smm.enter ? 1 : 0);
		p = bytebuf_uvar_at(p, ev->u.smm.smbase);
		p = bytebuf_uvar_at(p, ev->u.smm.cs);
		return bytebuf_uvar_at(p, ev->u.smm.eip);
	case TRACE_EV_CHECKPOINT:
		p = put_le64_at(p, ev->u.checkpoint.cpu_hash);
		p = put_le64_at(p, ev->u.checkpoint.ram_hash);
		p = put_le64_at(p, ev->u.checkpoint.dev_hash);
		for (int i = 0; i < TRACE_NSTREAMS; i++)
			p = put_le64_at(p, ev->u.checkpoint.chains[i]);
		return p;
	default:
		return p;
	}
}

void trace_event_encode_payload(const struct trace_event *ev, struct bytebuf *b)
{
	if (bytebuf_room(b, TRACE_PAYLOAD_FIXED_MAX + trace_event_data_len(ev)))
		return;
	b->len = (size_t)(trace_event_encode_payload_at(ev, b->data + b->len) - b->data);
}

void trace_event_encode_canonical(const struct trace_event *ev, struct bytebuf *b)
{
	bytebuf_put_uvar(b, trace_event_tag(ev->kind));
	bytebuf_put_uvar(b, ev->icount);
	trace_event_encode_payload(ev, b);
}

/* Decoding cursor over one payload; the first error sticks. */
struct cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
	int failed;
	char *err;
	size_t errlen;
};

static uint64_t cur_uvar(struct cur *c, const char *field, uint64_t max)
{
	uint64_t v = 0;
	size_t start = c->pos;
	int r;

	if (c->failed)
		return 0;
	r = varint_get_u64(c->p, c->len, &c->pos, &v);
	if (r) {
		snprintf(c->err, c->errlen, "%s: %s", field, varint_strerror(r));
		c->failed = 1;
		return 0;
	}
	if (v > max) {
		c->pos = start;
		snprintf(c->err, c->errlen, "%s %llu out of range", field, (unsigned long long)v);
		c->failed = 1;
		return 0;
	}
	return v;
}

static uint64_t cur_le64(struct cur *c, const char *field)
{
	uint64_t v;

	if (c->failed)
		return 0;
	if (c->len - c->pos < 8) {
		snprintf(c->err, c->errlen, "%s: payload too short", field);
		c->pos = c->len;
		c->failed = 1;
		return 0;
	}
	v = le_get64(c->p + c->pos);
	c->pos += 8;
	return v;
}

/* A length-prefixed byte string; returns a pointer into the payload. */
static const uint8_t *cur_bytes(struct cur *c, const char *field, uint32_t *len)
{
	uint64_t n = cur_uvar(c, field, TRACE_EVENT_MAX_DATA);
	const uint8_t *d;

	*len = 0;
	if (c->failed)
		return NULL;
	if (n > c->len - c->pos) {
		snprintf(c->err, c->errlen, "%s: %llu bytes overrun the payload", field,
			 (unsigned long long)n);
		c->pos = c->len;
		c->failed = 1;
		return NULL;
	}
	d = c->p + c->pos;
	c->pos += n;
	*len = (uint32_t)n;
	return d;
}

static void decode_fields(struct cur *c, struct trace_event *ev)
{
	switch (ev->kind) {
	case TRACE_EV_ROM_LOAD:
		ev->u.rom_load.blob = (uint32_t)cur_uvar(c, "blob", UINT32_MAX);
		ev->u.rom_load.addr = cur_uvar(c, "address", UINT64_MAX);
		ev->u.rom_load.size = cur_uvar(c, "size", UINT64_MAX);
		break;
	case TRACE_EV_ROM_RESET:
		ev->u.rom_reset.boot = (uint32_t)cur_uvar(c, "boot", UINT32_MAX);
		ev->u.rom_reset.nblobs = (uint32_t)cur_uvar(c, "blob count", UINT32_MAX);
		break;
	case TRACE_EV_PAM:
		ev->u.pam.reg = (uint8_t)cur_uvar(c, "PAM register", 0xff);
		ev->u.pam.old_val = (uint8_t)cur_uvar(c, "PAM old value", 0xff);
		ev->u.pam.new_val = (uint8_t)cur_uvar(c, "PAM new value", 0xff);
		break;
	case TRACE_EV_SMRAM:
		ev->u.smram.old_val = (uint8_t)cur_uvar(c, "SMRAM old value", 0xff);
		ev->u.smram.new_val = (uint8_t)cur_uvar(c, "SMRAM new value", 0xff);
		break;
	case TRACE_EV_SYSTEM_RESET:
		ev->u.system_reset.cause = (enum trace_reset_cause)cur_uvar(c, "reset cause",
									  TRACE_RESET_CAUSE_END - 1);
		break;
	case TRACE_EV_CPU_MODE:
		ev->u.cpu_mode.old_cr0 = (uint32_t)cur_uvar(c, "old CR0", UINT32_MAX);
		ev->u.cpu_mode.new_cr0 = (uint32_t)cur_uvar(c, "new CR0", UINT32_MAX);
		break;
	case TRACE_EV_INTERRUPT: {
		uint64_t e;
		ev->u.interrupt.vector = (uint8_t)cur_uvar(c, "vector", 0xff);
		ev->u.interrupt.kind = (enum trace_int_kind)cur_uvar(c, "interrupt kind",
								      TRACE_INT_KIND_END - 1);
		ev->u.interrupt.cs = (uint16_t)cur_uvar(c, "CS", 0xffff);
		ev->u.interrupt.eip = (uint32_t)cur_uvar(c, "EIP", UINT32_MAX);
		e = cur_uvar(c, "error code", (uint64_t)UINT32_MAX + 1);
		ev->u.interrupt.has_error = e != 0;
		ev->u.interrupt.error = e ? (uint32_t)(e - 1) : 0;
		break;
	}
	case TRACE_EV_IO: {
		uint64_t f = cur_uvar(c, "IO flags", 15);
		ev->u.io.write = f & 1;
		ev->u.io.mmio = (f >> 1) & 1;
		ev->u.io.size = (uint8_t)(1u << (f >> 2));
		ev->u.io.addr = cur_uvar(c, "IO address", ev->u.io.mmio ? UINT64_MAX : 0xffff);
		ev->u.io.value = cur_uvar(c, "IO value", ev->u.io.size == 8 ? UINT64_MAX :
					  (1ull << (8 * ev->u.io.size)) - 1);
		break;
	}
	case TRACE_EV_DEBUG_OUT: case TRACE_EV_SERIAL_OUT:
		ev->u.out.port = (uint16_t)cur_uvar(c, "port", 0xffff);
		ev->u.out.data = cur_bytes(c, "output bytes", &ev->u.out.len);
		break;
	case TRACE_EV_INPUT:
		ev->u.input.kind = (enum trace_input_kind)cur_uvar(c, "input kind",
								    TRACE_INPUT_KIND_END - 1);
		ev->u.input.addr = cur_uvar(c, "input address", UINT64_MAX);
		ev->u.input.data = cur_bytes(c, "input bytes", &ev->u.input.len);
		break;
	case TRACE_EV_MILESTONE:
		ev->u.milestone.id = (enum trace_milestone)cur_uvar(c, "milestone id", TRACE_MS_END - 1);
		ev->u.milestone.boot = (uint32_t)cur_uvar(c, "boot", UINT32_MAX);
		break;
	case TRACE_EV_SMM:
		ev->u.smm.enter = (int)cur_uvar(c, "SMM direction", 1);
		ev->u.smm.smbase = (uint32_t)cur_uvar(c, "SMBASE", UINT32_MAX);
		ev->u.smm.cs = (uint16_t)cur_uvar(c, "CS", 0xffff);
		ev->u.smm.eip = (uint32_t)cur_uvar(c, "EIP", UINT32_MAX);
		break;
	case TRACE_EV_CHECKPOINT:
		ev->u.checkpoint.cpu_hash = cur_le64(c, "CPU hash");
		ev->u.checkpoint.ram_hash = cur_le64(c, "RAM hash");
		ev->u.checkpoint.dev_hash = cur_le64(c, "device hash");
		for (int i = 0; i < TRACE_NSTREAMS; i++)
			ev->u.checkpoint.chains[i] = cur_le64(c, "chain hash");
		break;
	default:
		break;
	}
}

/* The first format version that has an event kind, and an INPUT kind. */
static uint32_t kind_since(uint64_t kind)
{
	return kind == TRACE_EV_SMM ? 2 : 1;
}

static uint32_t input_kind_since(enum trace_input_kind k)
{
	return k == TRACE_INPUT_IDLE ? 2 : 1;
}

int trace_event_decode_payload(uint64_t tag, const uint8_t *p, size_t len, uint32_t format,
			       struct trace_event *ev, size_t *errpos, char *err, size_t errlen)
{
	struct cur c = { p, len, 0, 0, err, errlen };
	uint64_t kind = tag >> 3, kver = tag & 7;

	*errpos = 0;
	if (kind == 0 || kind >= TRACE_EV_KIND_END) {
		snprintf(err, errlen, "unknown event kind %llu", (unsigned long long)kind);
		return -2;
	}
	if (kver == 0) {
		snprintf(err, errlen, "event %s has invalid encoding version 0", kind_names[kind]);
		return -2;
	}
	if (kver > TRACE_EVENT_KVER) {
		snprintf(err, errlen, "event %s encoding version %u is newer than this lockstep "
			 "supports (%u)", kind_names[kind], (unsigned)kver, TRACE_EVENT_KVER);
		return -2;
	}
	if (format < kind_since(kind)) {
		snprintf(err, errlen, "event %s (kind %u) is not in format version %u",
			 kind_names[kind], (unsigned)kind, format);
		return -2;
	}
	memset(&ev->u, 0, sizeof(ev->u));
	ev->kind = (enum trace_event_kind)kind;
	decode_fields(&c, ev);
	if (!c.failed && c.pos != len) {
		snprintf(err, errlen, "%s payload has %zu trailing bytes", kind_names[kind],
			 len - c.pos);
		c.failed = 1;
	}
	if (!c.failed && trace_event_check(ev, err, errlen))
		c.failed = 1;
	if (!c.failed && ev->kind == TRACE_EV_INPUT && format < input_kind_since(ev->u.input.kind)) {
		snprintf(err, errlen, "input kind %u (%s) is not in format version %u",
			 (unsigned)ev->u.input.kind, input_kind_names[ev->u.input.kind], format);
		c.pos = 0;      /* the kind is the payload's first field */
		c.failed = 1;
	}
	if (c.failed) {
		*errpos = c.pos;
		return -1;
	}
	return 0;
}
