/* tests/conformance/moo.c: MOO test-file parser (see moo.h). Every chunk
 * length is checked against its container; unknown chunks are skipped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/conformance/moo.h"

struct cur {
	const uint8_t *base;      /* start of the file (for offsets in messages) */
	const uint8_t *p;
	size_t n;                 /* bytes left */
	char *err;
	size_t errlen;
};

static int fail(struct cur *c, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "offset %zu: %s", (size_t)(c->p - c->base), msg);
	return -1;
}

static int take(struct cur *c, size_t k, const uint8_t **out)
{
	if (c->n < k)
		return fail(c, "truncated (need %zu bytes, %zu left)", k, c->n);
	*out = c->p;
	c->p += k;
	c->n -= k;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int u32(struct cur *c, uint32_t *v)
{
	const uint8_t *p = NULL;
	if (take(c, 4, &p))
		return -1;
	*v = le32(p);
	return 0;
}

/* Next chunk: tag and a sub-cursor over its payload. */
static int chunk(struct cur *c, char tag[5], struct cur *sub)
{
	const uint8_t *p = NULL;
	if (take(c, 8, &p))
		return -1;
	memcpy(tag, p, 4);
	tag[4] = 0;
	uint32_t len = le32(p + 4);
	if (len > c->n) {
		c->p -= 8;
		c->n += 8;
		return fail(c, "chunk '%s' length %u exceeds the %zu bytes left", tag, len, c->n - 8);
	}
	*sub = *c;
	sub->n = len;
	c->p += len;
	c->n -= len;
	return 0;
}

static int parse_regs(struct cur *c, int is32, struct moo_regs *r)
{
	uint32_t mask;
	int nregs = is32 ? MOO_NREGS32 : MOO_NREGS16;
	int w = is32 ? 4 : 2;
	const uint8_t *p = NULL;
	if (is32) {
		if (u32(c, &mask))
			return -1;
	} else {
		if (take(c, 2, &p))
			return -1;
		mask = (uint32_t)p[0] | ((uint32_t)p[1] << 8);
	}
	if (mask >> nregs)
		return fail(c, "register mask 0x%x names unknown registers", mask);
	memset(r, 0, sizeof(*r));
	r->present = mask;
	for (int k = 0; k < nregs; k++) {
		if (!(mask & (1u << k)))
			continue;
		if (take(c, (size_t)w, &p))
			return -1;
		r->v[k] = is32 ? le32(p) : ((uint32_t)p[0] | ((uint32_t)p[1] << 8));
	}
	return 0;
}

static int parse_ram(struct cur *c, struct moo_state *s)
{
	uint32_t count;
	if (u32(c, &count))
		return -1;
	if ((uint64_t)count * 5 > c->n)
		return fail(c, "RAM count %u exceeds the chunk", count);
	s->ram = calloc(count ? count : 1, sizeof(*s->ram));
	if (!s->ram)
		return fail(c, "out of memory");
	s->nram = count;
	for (uint32_t k = 0; k < count; k++) {
		const uint8_t *p = NULL;
		take(c, 5, &p);
		s->ram[k].addr = le32(p);
		s->ram[k].value = p[4];
	}
	return 0;
}

static int parse_state(struct cur *c, struct moo_file *f, struct moo_state *s, int *seen_regs)
{
	while (c->n) {
		char tag[5];
		struct cur sub;
		if (chunk(c, tag, &sub))
			return -1;
		if (!strcmp(tag, "REGS") || !strcmp(tag, "RG32")) {
			int is32 = tag[1] == 'G';
			if (*seen_regs && is32 != f->regs32)
				return fail(&sub, "mixed REGS and RG32 register files");
			f->regs32 = is32;
			*seen_regs = 1;
			if (parse_regs(&sub, is32, &s->regs))
				return -1;
		} else if (!strcmp(tag, "RMSK") || !strcmp(tag, "RM32")) {
			if (parse_regs(&sub, tag[1] == 'M' && tag[2] == '3', &s->mask))
				return -1;
			s->has_mask = 1;
		} else if (!strcmp(tag, "RAM ")) {
			if (s->ram)
				return fail(&sub, "second RAM chunk");
			if (parse_ram(&sub, s))
				return -1;
		}
	}
	return 0;
}

static int parse_test(struct cur *c, struct moo_file *f, struct moo_test *t, int *seen_regs)
{
	int have_init = 0, have_fina = 0, have_bytes = 0;
	if (u32(c, &t->index))
		return -1;
	while (c->n) {
		char tag[5];
		struct cur sub;
		if (chunk(c, tag, &sub))
			return -1;
		if (!strcmp(tag, "NAME") || !strcmp(tag, "BYTS")) {
			uint32_t len;
			const uint8_t *p = NULL;
			if (u32(&sub, &len) || take(&sub, len, &p))
				return -1;
			uint8_t *copy = malloc((size_t)len + 1);
			if (!copy)
				return fail(&sub, "out of memory");
			memcpy(copy, p, len);
			copy[len] = 0;
			if (tag[0] == 'N') {
				free(t->name);
				t->name = (char *)copy;
			} else {
				if (len == 0 || len > 15) {
					free(copy);
					return fail(&sub, "instruction of %u bytes", len);
				}
				free(t->bytes);
				t->bytes = copy;
				t->nbytes = len;
				have_bytes = 1;
			}
		} else if (!strcmp(tag, "INIT") || !strcmp(tag, "FINA")) {
			struct moo_state *s = tag[0] == 'I' ? &t->init : &t->fina;
			if ((tag[0] == 'I' && have_init) || (tag[0] == 'F' && have_fina))
				return fail(&sub, "second %s chunk", tag);
			if (parse_state(&sub, f, s, seen_regs))
				return -1;
			if (tag[0] == 'I')
				have_init = 1;
			else
				have_fina = 1;
		} else if (!strcmp(tag, "EXCP")) {
			const uint8_t *p = NULL;
			if (take(&sub, 5, &p))
				return -1;
			t->has_excp = 1;
			t->excp_vector = p[0];
			t->excp_flags_addr = le32(p + 1);
		}
	}
	if (!have_init || !have_fina || !have_bytes)
		return fail(c, "test %u lacks %s", t->index,
			    !have_init ? "INIT" : !have_fina ? "FINA" : "BYTS");
	if (!*seen_regs)
		return fail(c, "test %u has no register file", t->index);
	return 0;
}

static void free_test(struct moo_test *t)
{
	free(t->name);
	free(t->bytes);
	free(t->init.ram);
	free(t->fina.ram);
}

void moo_free(struct moo_file *f)
{
	if (!f)
		return;
	for (uint32_t k = 0; k < f->ntests; k++)
		free_test(&f->tests[k]);
	free(f->tests);
	memset(f, 0, sizeof(*f));
}

int moo_parse(const uint8_t *buf, size_t len, struct moo_file *out, char *err, size_t errlen)
{
	struct cur c = { buf, buf, len, err, errlen };
	struct moo_file f;
	memset(&f, 0, sizeof(f));
	memset(out, 0, sizeof(*out));
	char tag[5];
	struct cur sub;
	if (chunk(&c, tag, &sub))
		return -1;
	if (strcmp(tag, "MOO "))
		return fail(&sub, "not a MOO file (first chunk '%s')", tag);
	const uint8_t *h = NULL;
	if (take(&sub, 12, &h))
		return -1;
	f.major = h[0];
	f.minor = h[1];
	uint32_t count = le32(h + 4);
	memcpy(f.cpu, h + 8, 4);
	if (f.major != 1)
		return fail(&sub, "unsupported MOO version %u.%u", f.major, f.minor);
	/* Each test needs at least its index and three chunk headers. */
	if ((uint64_t)count * 28 > len)
		return fail(&sub, "test count %u does not fit in %zu bytes", count, len);
	f.tests = calloc(count ? count : 1, sizeof(*f.tests));
	if (!f.tests)
		return fail(&sub, "out of memory");
	int seen_regs = 0;
	while (c.n) {
		if (chunk(&c, tag, &sub))
			goto bad;
		if (!strcmp(tag, "TEST")) {
			if (f.ntests == count) {
				fail(&sub, "more TEST chunks than the %u announced", count);
				goto bad;
			}
			struct moo_test *t = &f.tests[f.ntests++];
			if (parse_test(&sub, &f, t, &seen_regs))
				goto bad;
		} else if (!strcmp(tag, "RMSK") || !strcmp(tag, "RM32")) {
			if (parse_regs(&sub, tag[2] == '3', &f.mask))
				goto bad;
			f.has_mask = 1;
		}
	}
	if (f.ntests != count) {
		fail(&c, "%u TEST chunks, header announced %u", f.ntests, count);
		goto bad;
	}
	*out = f;
	return 0;
bad:
	moo_free(&f);
	return -1;
}
