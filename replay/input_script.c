/*
 * replay/input_script.c: the --input script parser (replay/input_script.h)
 * and the ASCII to set-2 scancode table (IBM PS/2 Technical Reference,
 * keyboard scan code set 2, US layout).
 */
#include "replay/input_script.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set-2 make codes of the unshifted US keys. */
static const struct { char plain, shifted; uint8_t code; } keys[] = {
	{ 'a', 'A', 0x1C }, { 'b', 'B', 0x32 }, { 'c', 'C', 0x21 }, { 'd', 'D', 0x23 },
	{ 'e', 'E', 0x24 }, { 'f', 'F', 0x2B }, { 'g', 'G', 0x34 }, { 'h', 'H', 0x33 },
	{ 'i', 'I', 0x43 }, { 'j', 'J', 0x3B }, { 'k', 'K', 0x42 }, { 'l', 'L', 0x4B },
	{ 'm', 'M', 0x3A }, { 'n', 'N', 0x31 }, { 'o', 'O', 0x44 }, { 'p', 'P', 0x4D },
	{ 'q', 'Q', 0x15 }, { 'r', 'R', 0x2D }, { 's', 'S', 0x1B }, { 't', 'T', 0x2C },
	{ 'u', 'U', 0x3C }, { 'v', 'V', 0x2A }, { 'w', 'W', 0x1D }, { 'x', 'X', 0x22 },
	{ 'y', 'Y', 0x35 }, { 'z', 'Z', 0x1A },
	{ '1', '!', 0x16 }, { '2', '@', 0x1E }, { '3', '#', 0x26 }, { '4', '$', 0x25 },
	{ '5', '%', 0x2E }, { '6', '^', 0x36 }, { '7', '&', 0x3D }, { '8', '*', 0x3E },
	{ '9', '(', 0x46 }, { '0', ')', 0x45 }, { '-', '_', 0x4E }, { '=', '+', 0x55 },
	{ '[', '{', 0x54 }, { ']', '}', 0x5B }, { '\\', '|', 0x5D }, { ';', ':', 0x4C },
	{ '\'', '"', 0x52 }, { '`', '~', 0x0E }, { ',', '<', 0x41 }, { '.', '>', 0x49 },
	{ '/', '?', 0x4A }, { ' ', 0, 0x29 }, { '\n', 0, 0x5A }, { '\r', 0, 0x5A },
	{ '\t', 0, 0x0D }, { '\b', 0, 0x66 }, { 27, 0, 0x76 },
};
#define SET2_LSHIFT 0x12
#define SET2_BREAK 0xF0

size_t input_ascii_to_set2(char c, uint8_t out[8])
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = 0;
		int shift;
		if (keys[i].plain != c && (!keys[i].shifted || keys[i].shifted != c))
			continue;
		shift = keys[i].plain != c;
		if (shift)
			out[n++] = SET2_LSHIFT;
		out[n++] = keys[i].code;
		out[n++] = SET2_BREAK;
		out[n++] = keys[i].code;
		if (shift) {
			out[n++] = SET2_BREAK;
			out[n++] = SET2_LSHIFT;
		}
		return n;
	}
	return 0;
}

static int append(struct input_item *it, const uint8_t *b, size_t n)
{
	uint8_t *d;
	if (it->len + n > TRACE_EVENT_MAX_DATA)
		return -1;
	d = realloc(it->data, it->len + n ? it->len + n : 1);
	if (!d)
		return -1;
	memcpy(d + it->len, b, n);
	it->data = d;
	it->len += (uint32_t)n;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A double-quoted string at *pp into raw bytes; returns 0 or -1. */
static int parse_string(const char **pp, uint8_t *out, size_t *n, size_t cap)
{
	const char *p = *pp;

	*n = 0;
	if (*p++ != '"')
		return -1;
	while (*p && *p != '"') {
		int c = (unsigned char)*p++;
		if (c == '\\') {
			c = (unsigned char)*p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '\\': case '"': break;
			case 'x': {
				int h = hexval(p[0]), l = h < 0 ? -1 : hexval(p[1]);
				if (l < 0)
					return -1;
				c = h * 16 + l;
				p += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (*n >= cap)
			return -1;
		out[(*n)++] = (uint8_t)c;
	}
	if (*p != '"')
		return -1;
	*pp = p + 1;
	return 0;
}

static int parse_time(const char *w, struct input_item *it)
{
	static const struct { const char *suffix; uint64_t mul; } units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	char *end;

	if (!strncmp(w, "icount=", 7) && isdigit((unsigned char)w[7])) {
		errno = 0;
		it->at = strtoull(w + 7, &end, 10);
		return *end || errno ? -1 : 0;
	}
	if (!strncmp(w, "vtime=", 6) && isdigit((unsigned char)w[6])) {
		errno = 0;
		it->at = strtoull(w + 6, &end, 10);
		if (errno)
			return -1;
		it->at_vtime = 1;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(end, units[i].suffix) && it->at <= UINT64_MAX / units[i].mul) {
				it->at *= units[i].mul;
				return 0;
			}
	}
	return -1;
}

static int parse_line(const char *p, struct input_item *it, char *why, size_t whylen)
{
	char word[64];
	size_t n = 0;
	uint8_t bytes[4096];

	while (*p && !isspace((unsigned char)*p) && n < sizeof(word) - 1)
		word[n++] = *p++;
	word[n] = 0;
	if (parse_time(word, it)) {
		snprintf(why, whylen, "expected icount=N or vtime=T[ns|us|ms|s], not \"%s\"", word);
		return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	n = 0;
	while (*p && !isspace((unsigned char)*p) && n < sizeof(word) - 1)
		word[n++] = *p++;
	word[n] = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (!strcmp(word, "serial") || !strcmp(word, "key")) {
		size_t len;
		it->kind = word[0] == 's' ? TRACE_INPUT_SERIAL : TRACE_INPUT_KEY;
		if (parse_string(&p, bytes, &len, sizeof(bytes))) {
			snprintf(why, whylen, "expected a double-quoted string (escapes \\r \\n \\t "
				 "\\\\ \\\" \\xHH)");
			return -1;
		}
		if (it->kind == TRACE_INPUT_SERIAL) {
			if (append(it, bytes, len))
				goto toolong;
		} else {
			for (size_t i = 0; i < len; i++) {
				uint8_t codes[8];
				size_t k = input_ascii_to_set2((char)bytes[i], codes);
				if (!k) {
					snprintf(why, whylen, "no key types character 0x%02x", bytes[i]);
					return -1;
				}
				if (append(it, codes, k))
					goto toolong;
			}
		}
	} else if (!strcmp(word, "scancode")) {
		it->kind = TRACE_INPUT_KEY;
		while (*p) {
			int h = hexval(p[0]), l = h < 0 ? -1 : hexval(p[1]);
			uint8_t b;
			if (l < 0 || (p[2] && !isspace((unsigned char)p[2]))) {
				snprintf(why, whylen, "expected hex bytes after scancode");
				return -1;
			}
			b = (uint8_t)(h * 16 + l);
			if (append(it, &b, 1))
				goto toolong;
			p += 2;
			while (isspace((unsigned char)*p))
				p++;
		}
	} else {
		snprintf(why, whylen, "expected serial, key or scancode, not \"%s\"", word);
		return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p && *p != '#') {
		snprintf(why, whylen, "unexpected text after the event");
		return -1;
	}
	if (!it->len) {
		snprintf(why, whylen, "the event has no bytes");
		return -1;
	}
	return 0;
toolong:
	snprintf(why, whylen, "more than %d bytes in one event", TRACE_EVENT_MAX_DATA);
	return -1;
}

int input_script_parse(struct input_script *s, const char *text, char *err, size_t errlen)
{
	int line = 0;
	int have_prev = 0, prev_vt = 0;
	uint64_t prev_at = 0;

	memset(s, 0, sizeof(*s));
	while (*text) {
		const char *eol = strchr(text, '\n');
		size_t n = eol ? (size_t)(eol - text) : strlen(text);
		char buf[8192], why[200];
		const char *p = buf;
		struct input_item it;

		line++;
		if (n >= sizeof(buf)) {
			snprintf(err, errlen, "line %d: line too long", line);
			goto fail;
		}
		memcpy(buf, text, n);
		buf[n] = 0;
		text += n + (eol ? 1 : 0);
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		memset(&it, 0, sizeof(it));
		if (parse_line(p, &it, why, sizeof(why))) {
			free(it.data);
			snprintf(err, errlen, "line %d: %s", line, why);
			goto fail;
		}
		if (have_prev && prev_vt == it.at_vtime && it.at < prev_at) {
			free(it.data);
			snprintf(err, errlen, "line %d: time goes backwards", line);
			goto fail;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct input_item *ni = realloc(s->items, cap * sizeof(*ni));
			if (!ni) {
				free(it.data);
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			s->items = ni;
			s->cap = cap;
		}
		s->items[s->n++] = it;
		have_prev = 1;
		prev_vt = it.at_vtime;
		prev_at = it.at;
	}
	return 0;
fail:
	input_script_free(s);
	return -1;
}

int input_script_load(struct input_script *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;
	char e[300];

	memset(s, 0, sizeof(*s));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || size > (16l << 20) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot read (or larger than 16 MiB)", path);
		return -1;
	}
	text = malloc((size_t)size + 1);
	if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
		free(text);
		fclose(f);
		snprintf(err, errlen, "%s: cannot read", path);
		return -1;
	}
	fclose(f);
	text[size] = 0;
	if (strlen(text) != (size_t)size) {
		free(text);
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		return -1;
	}
	if (input_script_parse(s, text, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", path, e);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

void input_script_free(struct input_script *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].data);
	free(s->items);
	memset(s, 0, sizeof(*s));
}
