/*
 * replay/semantic.c: semantic events, segments and their hashes
 * (replay/semantic.h, docs/compare.md §3).
 */
#include "replay/semantic.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "replay/trace_reader.h"

static const char *const sem_names[SEM_NSTREAMS] = { "io", "pam", "int", "debug", "milestone" };

const char *sem_stream_name(enum sem_stream s)
{
	return (unsigned)s < SEM_NSTREAMS ? sem_names[s] : NULL;
}

int sem_stream_parse(const char *name)
{
	for (int i = 0; i < SEM_NSTREAMS; i++)
		if (!strcmp(name, sem_names[i]))
			return i;
	return -1;
}

void sem_filter_init(struct sem_filter *f)
{
	memset(f, 0, sizeof(*f));
}

void sem_filter_free(struct sem_filter *f)
{
	if (f->have_regex)
		regfree(&f->regex);
	f->have_regex = 0;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

/* "A,B-C,..." into a bit set of max+1 bits. */
static int parse_set(uint8_t *set, uint64_t max, const char *list, const char *what, char *err,
		     size_t errlen)
{
	char buf[1024], *save = NULL, *tok;

	if (strlen(list) >= sizeof(buf) || !*list) {
		snprintf(err, errlen, "bad %s list '%s'", what, list);
		return -1;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t lo, hi;
		if (dash)
			*dash = 0;
		if (parse_num(tok, max, &lo) || (dash && parse_num(dash + 1, max, &hi)) ||
		    (dash && hi < lo)) {
			snprintf(err, errlen, "bad %s list '%s'", what, list);
			return -1;
		}
		if (!dash)
			hi = lo;
		for (uint64_t v = lo; v <= hi; v++)
			set[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	return 0;
}

int sem_filter_add_ports(struct sem_filter *f, const char *list, char *err, size_t errlen)
{
	return parse_set(f->ignore_port, 0xFFFF, list, "port", err, errlen);
}

int sem_filter_add_vectors(struct sem_filter *f, const char *list, char *err, size_t errlen)
{
	return parse_set(f->ignore_vector, 0xFF, list, "vector", err, errlen);
}

void sem_filter_ignore_irq0(struct sem_filter *f)
{
	f->ignore_vector[0x08 / 8] |= 1u << (0x08 % 8);
	f->ignore_vector[0x20 / 8] |= 1u << (0x20 % 8);
	f->ignore_vector[0x1C / 8] |= 1u << (0x1C % 8);
	f->ignore_port[0x20 / 8] |= 1u << (0x20 % 8);
}

int sem_filter_set_regex(struct sem_filter *f, const char *re, char *err, size_t errlen)
{
	int rc;

	sem_filter_free(f);
	rc = regcomp(&f->regex, re, REG_EXTENDED);
	if (rc) {
		char msg[256];
		regerror(rc, &f->regex, msg, sizeof(msg));
		snprintf(err, errlen, "bad regex '%s': %s", re, msg);
		return -1;
	}
	f->have_regex = 1;
	return 0;
}

static int bit(const uint8_t *set, unsigned v)
{
	return set[v / 8] >> (v % 8) & 1;
}

void sem_segment_name(const struct sem_segment *s, char *buf, size_t len)
{
	const char *m = trace_milestone_name((enum trace_milestone)s->milestone);

	if (s->occurrence > 1)
		snprintf(buf, len, "%" PRIu32 ":%s#%" PRIu32, s->boot, m ? m : "?", s->occurrence);
	else
		snprintf(buf, len, "%" PRIu32 ":%s", s->boot, m ? m : "?");
}

void sem_table_init(struct sem_table *t, const struct sem_filter *flt)
{
	memset(t, 0, sizeof(*t));
	t->flt = flt;
}

void sem_table_free(struct sem_table *t)
{
	for (size_t i = 0; i < t->nitems; i++)
		free(t->items[i].text);
	free(t->items);
	free(t->seg);
	memset(t, 0, sizeof(*t));
}

void sem_table_capture(struct sem_table *t, uint32_t boot, int milestone, uint32_t occurrence,
		       enum sem_stream stream)
{
	t->capturing = 1;
	t->cap_boot = boot;
	t->cap_milestone = milestone;
	t->cap_occurrence = occurrence;
	t->cap_stream = stream;
}

static struct sem_segment *open_segment(struct sem_table *t, uint32_t boot, int milestone,
					uint64_t icount)
{
	struct sem_segment *s;
	uint32_t occ = 1;

	for (size_t i = 0; i < t->nseg; i++)
		if (t->seg[i].boot == boot && t->seg[i].milestone == milestone)
			occ = t->seg[i].occurrence + 1;
	if (t->nseg == t->capseg) {
		size_t n = t->capseg ? t->capseg * 2 : 16;
		struct sem_segment *p = realloc(t->seg, n * sizeof(*p));
		if (!p) {
			t->oom = 1;
			return NULL;
		}
		t->seg = p;
		t->capseg = n;
	}
	s = &t->seg[t->nseg++];
	memset(s, 0, sizeof(*s));
	s->boot = boot;
	s->milestone = milestone;
	s->occurrence = occ;
	s->icount = icount;
	return s;
}

static struct sem_segment *current(struct sem_table *t, uint64_t icount)
{
	if (t->nseg)
		return &t->seg[t->nseg - 1];
	/* Events before the first milestone belong to boot 0's reset. */
	t->implicit = 1;
	return open_segment(t, 0, TRACE_MS_RESET, icount);
}

static void add(struct sem_table *t, enum sem_stream s, uint64_t icount, const char *text)
{
	struct sem_segment *seg = current(t, icount);
	size_t len = strlen(text);

	if (!seg)
		return;
	t->total[s] = XXH3_64bits_withSeed(text, len, t->total[s]);
	t->total_count[s]++;
	seg->hash[s] = XXH3_64bits_withSeed(text, len, seg->hash[s]);
	seg->count[s]++;
	if (t->capturing && s == t->cap_stream && seg->boot == t->cap_boot &&
	    seg->milestone == t->cap_milestone && seg->occurrence == t->cap_occurrence) {
		if (t->nitems == t->capitems) {
			size_t n = t->capitems ? t->capitems * 2 : 64;
			struct sem_item *p = realloc(t->items, n * sizeof(*p));
			if (!p) {
				t->oom = 1;
				return;
			}
			t->items = p;
			t->capitems = n;
		}
		t->items[t->nitems].icount = icount;
		t->items[t->nitems].text = strdup(text);
		if (!t->items[t->nitems].text) {
			t->oom = 1;
			return;
		}
		t->nitems++;
	}
}

/* Quote bytes like trace_print_bytes, into buf. */
static void quote(char *buf, size_t len, const char *p, size_t n)
{
	size_t o = 0;

	if (len < 3)
		return;
	buf[o++] = '"';
	for (size_t i = 0; i < n && o + 6 < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
		else if (c == '\t')
			o += (size_t)snprintf(buf + o, len - o, "\\t");
		else if (c == '\r')
			o += (size_t)snprintf(buf + o, len - o, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = 0;
}

/* A complete debug line: normalise with the regex, then add. */
static void emit_line(struct sem_table *t, int which)
{
	static const char *const src[3] = { "0x402", "0xe9", "com1" };
	char norm[SEM_LINE_MAX + 64], text[4 * SEM_LINE_MAX + 256], q[4 * SEM_LINE_MAX + 128];
	size_t n = t->line[which].len, o = 0;
	const char *p = t->line[which].buf;

	t->line[which].buf[n] = 0;
	if (t->flt && t->flt->have_regex) {
		regmatch_t m;
		size_t pos = 0;
		int eflags = 0;
		while (pos <= n && regexec(&t->flt->regex, p + pos, 1, &m, eflags) == 0) {
			size_t so = (size_t)m.rm_so, eo = (size_t)m.rm_eo;
			if (o + so + 2 >= sizeof(norm))
				break;
			memcpy(norm + o, p + pos, so);
			o += so;
			if (eo > so) {
				norm[o++] = '*';
				pos += eo;
			} else {
				/* empty match: keep one character and go on */
				if (pos + so >= n) {
					pos = n + 1;
					break;
				}
				norm[o++] = p[pos + so];
				pos += so + 1;
			}
			eflags = REG_NOTBOL;
		}
		if (pos < n && o + (n - pos) < sizeof(norm)) {
			memcpy(norm + o, p + pos, n - pos);
			o += n - pos;
		}
	} else {
		memcpy(norm, p, n);
		o = n;
	}
	quote(q, sizeof(q), norm, o);
	snprintf(text, sizeof(text), "line %s %s", src[which], q);
	add(t, SEM_DEBUG, t->line[which].icount, text);
	t->line[which].len = 0;
}

static void feed_bytes(struct sem_table *t, int which, const uint8_t *p, size_t n,
		       uint64_t icount)
{
	for (size_t i = 0; i < n; i++) {
		if (t->line[which].len == 0)
			t->line[which].icount = icount;
		if (p[i] == '\n') {
			emit_line(t, which);
			continue;
		}
		t->line[which].buf[t->line[which].len++] = (char)p[i];
		if (t->line[which].len == SEM_LINE_MAX - 1)
			emit_line(t, which);
	}
}

void sem_table_feed(struct sem_table *t, const struct trace_event *ev)
{
	const struct sem_filter *f = t->flt;
	char text[160];
	uint64_t ic = ev->icount;

	if (f && f->format && !trace_event_in_format(ev, f->format))
		return;
	switch (ev->kind) {
	case TRACE_EV_IO:
		if (!ev->u.io.write || (!ev->u.io.mmio && f && bit(f->ignore_port, (unsigned)ev->u.io.addr)))
			return;
		if (ev->u.io.mmio)
			snprintf(text, sizeof(text), "write mmio=0x%08" PRIx64 " size=%u value=0x%" PRIx64,
				 ev->u.io.addr, ev->u.io.size, ev->u.io.value);
		else
			snprintf(text, sizeof(text), "out port=0x%04" PRIx64 " size=%u value=0x%0*" PRIx64,
				 ev->u.io.addr, ev->u.io.size, 2 * ev->u.io.size, ev->u.io.value);
		add(t, SEM_IO, ic, text);
		return;
	case TRACE_EV_PAM:
		snprintf(text, sizeof(text), "PAM reg=0x%02x 0x%02x->0x%02x", ev->u.pam.reg,
			 ev->u.pam.old_val, ev->u.pam.new_val);
		add(t, SEM_PAM, ic, text);
		return;
	case TRACE_EV_SMRAM:
		snprintf(text, sizeof(text), "SMRAM 0x%02x->0x%02x", ev->u.smram.old_val,
			 ev->u.smram.new_val);
		add(t, SEM_PAM, ic, text);
		return;
	case TRACE_EV_ROM_RESET:
		snprintf(text, sizeof(text), "ROM_RESET boot=%" PRIu32, ev->u.rom_reset.boot);
		add(t, SEM_PAM, ic, text);
		return;
	case TRACE_EV_SYSTEM_RESET: {
		const char *c = trace_reset_cause_name(ev->u.system_reset.cause);
		snprintf(text, sizeof(text), "SYSTEM_RESET cause=%s", c ? c : "?");
		add(t, SEM_PAM, ic, text);
		return;
	}
	case TRACE_EV_INTERRUPT: {
		const char *k = trace_int_kind_name(ev->u.interrupt.kind);
		if (f && bit(f->ignore_vector, ev->u.interrupt.vector))
			return;
		snprintf(text, sizeof(text), "INT vector=0x%02x kind=%s", ev->u.interrupt.vector,
			 k ? k : "?");
		add(t, SEM_INT, ic, text);
		return;
	}
	case TRACE_EV_CPU_MODE:
		snprintf(text, sizeof(text), "CPU_MODE pe=%u->%u pg=%u->%u",
			 ev->u.cpu_mode.old_cr0 & 1, ev->u.cpu_mode.new_cr0 & 1,
			 ev->u.cpu_mode.old_cr0 >> 31, ev->u.cpu_mode.new_cr0 >> 31);
		add(t, SEM_INT, ic, text);
		return;
	case TRACE_EV_SMM:
		snprintf(text, sizeof(text), "SMM %s smbase=0x%08" PRIx32,
			 ev->u.smm.enter ? "enter" : "exit", ev->u.smm.smbase);
		add(t, SEM_INT, ic, text);
		return;
	case TRACE_EV_DEBUG_OUT:
		feed_bytes(t, ev->u.out.port == 0xE9 ? 1 : 0, ev->u.out.data, ev->u.out.len, ic);
		return;
	case TRACE_EV_SERIAL_OUT:
		feed_bytes(t, 2, ev->u.out.data, ev->u.out.len, ic);
		return;
	case TRACE_EV_MILESTONE: {
		const char *m = trace_milestone_name(ev->u.milestone.id);
		struct sem_segment *s;
		if (t->implicit && t->nseg == 1 && ev->u.milestone.id == TRACE_MS_RESET &&
		    ev->u.milestone.boot == 0) {
			t->implicit = 0;
			s = &t->seg[0];
		} else {
			t->implicit = 0;
			s = open_segment(t, ev->u.milestone.boot, (int)ev->u.milestone.id, ic);
		}
		if (!s)
			return;
		snprintf(text, sizeof(text), "MILESTONE %s boot=%" PRIu32, m ? m : "?",
			 ev->u.milestone.boot);
		add(t, SEM_MILESTONE, ic, text);
		return;
	}
	default:
		return;
	}
}

int sem_table_finish(struct sem_table *t)
{
	for (int i = 0; i < 3; i++)
		if (t->line[i].len)
			emit_line(t, i);
	return t->oom ? -1 : 0;
}

const struct sem_segment *sem_table_find(const struct sem_table *t, uint32_t boot, int milestone,
					 uint32_t occurrence)
{
	for (size_t i = 0; i < t->nseg; i++)
		if (t->seg[i].boot == boot && t->seg[i].milestone == milestone &&
		    t->seg[i].occurrence == occurrence)
			return &t->seg[i];
	return NULL;
}

uint64_t sem_table_stream_hash(const struct sem_table *t, enum sem_stream s, int milestone)
{
	if (milestone < 0)
		return t->total[s];
	for (size_t i = 0; i < t->nseg; i++)
		if (t->seg[i].milestone == milestone)
			return t->seg[i].hash[s];
	return 0;
}

int sem_table_read_trace(struct sem_table *t, const char *path, char *err, size_t errlen)
{
	struct trace_reader *r;
	struct trace_event ev;
	char e[768];
	int rc;

	if (trace_reader_open(&r, path, TRACE_READ_STRICT, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", path, e);
		return -1;
	}
	while ((rc = trace_reader_next(r, &ev)) > 0)
		sem_table_feed(t, &ev);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, trace_reader_error(r));
		trace_reader_close(r);
		return -1;
	}
	trace_reader_close(r);
	if (sem_table_finish(t)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
