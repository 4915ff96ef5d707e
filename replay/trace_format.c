/* replay/trace_format.c: encoding and decoding of the trace file's fixed structures. */
#include "replay/trace_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "replay/varint.h"

void trace_blob_hash(const void *data, size_t size, uint8_t out[16])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(data, size));
	memcpy(out, c.digest, 16);
}

void trace_header_encode(const struct trace_header *h, struct bytebuf *b)
{
	size_t start = b->len;

	bytebuf_put(b, TRACE_MAGIC, 8);
	bytebuf_put_le32(b, TRACE_FORMAT_VERSION);
	bytebuf_put_le32(b, 0);    /* header length, patched below */
	bytebuf_put_lenbytes(b, h->version, strlen(h->version));
	bytebuf_put_lenbytes(b, h->config, strlen(h->config));
	bytebuf_put_svar(b, h->rtc_start);
	bytebuf_put_uvar(b, h->nblobs);
	for (uint32_t i = 0; i < h->nblobs; i++) {
		const struct trace_blob *bl = &h->blobs[i];
		bytebuf_put_uvar(b, bl->kind);
		bytebuf_put_lenbytes(b, bl->name, strlen(bl->name));
		bytebuf_put_lenbytes(b, bl->path, strlen(bl->path));
		bytebuf_put_uvar(b, bl->size);
		bytebuf_put(b, bl->hash, 16);
	}
	if (b->oom)
		return;
	le_put32(b->data + start + 12, (uint32_t)(b->len - start + 8));
	bytebuf_put_le64(b, XXH3_64bits(b->data + start, b->len - start));
}

/* A string field being decoded: where it is, for the copy pass. */
struct span {
	const uint8_t *p;
	size_t len;
};

struct hcur {
	const uint8_t *p;
	size_t end;
	size_t pos;
	char *err;
	size_t errlen;
};

static int hc_uvar(struct hcur *c, uint64_t *v, const char *what)
{
	int r = varint_get_u64(c->p, c->end, &c->pos, v);
	if (r)
		snprintf(c->err, c->errlen, "offset %zu: header %s: %s", c->pos, what,
			 varint_strerror(r));
	return r ? -1 : 0;
}

static int hc_str(struct hcur *c, struct span *s, const char *what)
{
	uint64_t n;

	if (hc_uvar(c, &n, what))
		return -1;
	if (n > c->end - c->pos) {
		snprintf(c->err, c->errlen, "offset %zu: header %s: length %llu overruns the header",
			 c->pos, what, (unsigned long long)n);
		return -1;
	}
	s->p = c->p + c->pos;
	s->len = (size_t)n;
	if (memchr(s->p, 0, s->len)) {
		snprintf(c->err, c->errlen, "offset %zu: header %s contains a NUL byte", c->pos, what);
		return -1;
	}
	c->pos += s->len;
	return 0;
}

static char *copy_span(char **dst, const struct span *s)
{
	char *r = *dst;
	memcpy(r, s->p, s->len);
	r[s->len] = 0;
	*dst += s->len + 1;
	return r;
}

/* Smallest encoding of one blob: kind, two empty strings, size, hash. */
#define BLOB_MIN 20

int trace_header_decode(const uint8_t *p, size_t len, struct trace_header *h,
			void **storage, char *err, size_t errlen)
{
	struct hcur c = { p, len - 8, TRACE_HEADER_FIXED, err, errlen };
	struct span ver, cfg;
	struct trace_blob *blobs;
	uint64_t nblobs, u;
	char *strs;
	size_t blobs_at;
	uint8_t *block;
	int64_t rtc;
	int r;

	*storage = NULL;
	if (hc_str(&c, &ver, "version string") || hc_str(&c, &cfg, "configuration"))
		return -1;
	r = varint_get_s64(c.p, c.end, &c.pos, &rtc);
	if (r) {
		snprintf(err, errlen, "offset %zu: header RTC start: %s", c.pos, varint_strerror(r));
		return -1;
	}
	if (hc_uvar(&c, &nblobs, "blob count"))
		return -1;
	if (nblobs > (c.end - c.pos) / BLOB_MIN) {
		snprintf(err, errlen, "offset %zu: header blob count %llu overruns the header",
			 c.pos, (unsigned long long)nblobs);
		return -1;
	}
	blobs_at = c.pos;
	/* One block: the blob array, then every string with its NUL. */
	block = calloc(1, nblobs * sizeof(*blobs) + len + 2 + 2 * nblobs);
	if (!block) {
		snprintf(err, errlen, "offset 0: out of memory reading the header");
		return -1;
	}
	blobs = (struct trace_blob *)block;
	strs = (char *)(block + nblobs * sizeof(*blobs));
	h->version = copy_span(&strs, &ver);
	h->config = copy_span(&strs, &cfg);
	h->rtc_start = rtc;
	h->nblobs = (uint32_t)nblobs;
	h->blobs = blobs;
	c.pos = blobs_at;
	for (uint64_t i = 0; i < nblobs; i++) {
		struct span name, path;
		size_t at = c.pos;

		if (hc_uvar(&c, &u, "blob kind"))
			goto fail;
		if (u != TRACE_BLOB_ROM && u != TRACE_BLOB_DISK) {
			snprintf(err, errlen, "offset %zu: header blob %llu: unknown kind %llu", at,
				 (unsigned long long)i, (unsigned long long)u);
			goto fail;
		}
		blobs[i].kind = (enum trace_blob_kind)u;
		if (hc_str(&c, &name, "blob name") || hc_str(&c, &path, "blob path") ||
		    hc_uvar(&c, &blobs[i].size, "blob size"))
			goto fail;
		if (c.end - c.pos < 16) {
			snprintf(err, errlen, "offset %zu: header blob %llu: hash overruns the header",
				 c.pos, (unsigned long long)i);
			goto fail;
		}
		memcpy(blobs[i].hash, c.p + c.pos, 16);
		c.pos += 16;
		blobs[i].name = copy_span(&strs, &name);
		blobs[i].path = copy_span(&strs, &path);
	}
	if (c.pos != c.end) {
		snprintf(err, errlen, "offset %zu: header has %zu unexpected bytes before its checksum",
			 c.pos, c.end - c.pos);
		goto fail;
	}
	*storage = block;
	return 0;
fail:
	free(block);
	return -1;
}

void trace_frame_header_encode(const struct trace_frame_info *f, uint8_t *o)
{
	memcpy(o, TRACE_FRAME_MAGIC, 4);
	le_put32(o + 4, f->nevents);
	le_put64(o + 8, f->first_icount);
	le_put64(o + 16, f->first_event);
	le_put32(o + 24, f->csize);
	le_put32(o + 28, f->usize);
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		le_put64(o + 32 + 8 * i, f->chains[i]);
	le_put64(o + 88, f->payload_hash);
	le_put64(o + 96, XXH3_64bits(o, 96));
}

int trace_frame_header_decode(const uint8_t *p, struct trace_frame_info *f,
			      char *err, size_t errlen)
{
	if (memcmp(p, TRACE_FRAME_MAGIC, 4)) {
		snprintf(err, errlen, "bad frame magic");
		return -1;
	}
	if (!trace_checksum_ok(le_get64(p + 96), XXH3_64bits(p, 96))) {
		snprintf(err, errlen, "frame header checksum mismatch");
		return -1;
	}
	f->nevents = le_get32(p + 4);
	f->first_icount = le_get64(p + 8);
	f->first_event = le_get64(p + 16);
	f->csize = le_get32(p + 24);
	f->usize = le_get32(p + 28);
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		f->chains[i] = le_get64(p + 32 + 8 * i);
	f->payload_hash = le_get64(p + 88);
	if (f->csize == 0 || f->csize > TRACE_FRAME_MAX || f->usize > TRACE_FRAME_MAX) {
		snprintf(err, errlen, "frame sizes %u/%u out of range", f->csize, f->usize);
		return -1;
	}
	if (f->nevents == 0 || f->nevents > f->usize / TRACE_RECORD_MIN) {
		snprintf(err, errlen, "frame event count %u impossible for %u bytes", f->nevents,
			 f->usize);
		return -1;
	}
	return 0;
}

void trace_index_entry_encode(const struct trace_frame_info *f, uint8_t *o)
{
	le_put64(o, f->offset);
	le_put64(o + 8, f->first_icount);
	le_put64(o + 16, f->first_event);
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		le_put64(o + 24 + 8 * i, f->chains[i]);
}

void trace_index_entry_decode(const uint8_t *p, struct trace_frame_info *f)
{
	memset(f, 0, sizeof(*f));
	f->offset = le_get64(p);
	f->first_icount = le_get64(p + 8);
	f->first_event = le_get64(p + 16);
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		f->chains[i] = le_get64(p + 24 + 8 * i);
}

void trace_footer_encode(const struct trace_footer *ft, uint8_t *o)
{
	le_put64(o, ft->index_offset);
	le_put64(o + 8, ft->nframes);
	le_put64(o + 16, ft->events_stored);
	le_put64(o + 24, ft->events_seen);
	le_put64(o + 32, ft->final_icount);
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		le_put64(o + 40 + 8 * i, ft->chains[i]);
	le_put64(o + 96, XXH3_64bits(o, 96));
	memcpy(o + 104, TRACE_FOOTER_MAGIC, 8);
}

int trace_footer_decode(const uint8_t *p, struct trace_footer *ft, char *err, size_t errlen)
{
	if (memcmp(p + 104, TRACE_FOOTER_MAGIC, 8)) {
		snprintf(err, errlen, "bad footer magic");
		return -1;
	}
	if (!trace_checksum_ok(le_get64(p + 96), XXH3_64bits(p, 96))) {
		snprintf(err, errlen, "footer checksum mismatch");
		return -1;
	}
	ft->index_offset = le_get64(p);
	ft->nframes = le_get64(p + 8);
	ft->events_stored = le_get64(p + 16);
	ft->events_seen = le_get64(p + 24);
	ft->final_icount = le_get64(p + 32);
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		ft->chains[i] = le_get64(p + 40 + 8 * i);
	return 0;
}
