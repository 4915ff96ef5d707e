/* replay/trace_reader.c: validating .trace reader (header, index, frames, events). */
#include "replay/trace_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "replay/chain.h"
#include "replay/varint.h"


struct trace_reader {
	int fd;                        /* -1 for a memory source */
	const uint8_t *mem;
	uint64_t size;
	enum trace_read_mode mode;

	struct trace_header hdr;
	void *hdr_storage;
	uint64_t header_len;
	struct trace_footer footer;
	int have_footer;
	int verify;                    /* recompute and check the chains */
	uint64_t frames_end;           /* where the last frame must end */
	uint64_t total_events;         /* stored events in the readable frames */
	struct trace_frame_info *frames;
	size_t nframes;
	char warning[320];
	char err[320];
	int failed;

	/* Iteration. */
	ZSTD_DCtx *dctx;
	uint8_t *cbuf, *ubuf;
	size_t ccap, ucap;
	size_t next_frame;             /* the frame to load when the current one ends */
	int in_frame;
	size_t cur;                    /* the loaded frame */
	size_t upos;
	uint32_t left;                 /* events left in the loaded frame */
	uint64_t icount;
	uint64_t evno;                 /* number of the next event */
	uint64_t last_evno;
	size_t last_size;
	uint64_t min_icount;
	struct trace_chains chains;
	struct bytebuf canon;
};

__attribute__((format(printf, 2, 3)))
static int rerr(struct trace_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->failed = 1;
	return -1;
}

/* Reads up to n bytes at off; returns the count (short only at EOF) or -1. */
static int64_t src_read(struct trace_reader *r, uint64_t off, void *buf, size_t n)
{
	size_t got = 0;

	if (off >= r->size)
		return 0;
	if (n > r->size - off)
		n = (size_t)(r->size - off);
	if (r->mem) {
		memcpy(buf, r->mem + off, n);
		return (int64_t)n;
	}
	while (got < n) {
		ssize_t k = pread(r->fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (int64_t)got;
}

/* Reads exactly n bytes at off, or fails with a message naming the offset. */
static int read_exact(struct trace_reader *r, uint64_t off, void *buf, size_t n, const char *what)
{
	int64_t k = src_read(r, off, buf, n);

	if (k < 0)
		return rerr(r, "offset %llu: reading %s: %s", (unsigned long long)off, what, strerror(errno));
	if ((size_t)k != n)
		return rerr(r, "offset %llu: truncated in %s", (unsigned long long)(off + (uint64_t)k), what);
	return 0;
}

static int open_header(struct trace_reader *r)
{
	uint8_t fixed[TRACE_HEADER_FIXED], *h;
	int64_t k;
	uint32_t ver, hlen;
	int ret;

	if (r->size == 0)
		return rerr(r, "offset 0: empty file");
	k = src_read(r, 0, fixed, sizeof(fixed));
	if (k < 0)
		return rerr(r, "offset 0: reading the header: %s", strerror(errno));
	if (memcmp(fixed, TRACE_MAGIC, k < 8 ? (size_t)k : 8))
		return rerr(r, "offset 0: not a lockstep trace (bad magic)");
	if (k < TRACE_HEADER_FIXED)
		return rerr(r, "offset %llu: truncated in the header", (unsigned long long)k);
	ver = le_get32(fixed + 8);
	if (ver == 0)
		return rerr(r, "offset 8: invalid format version 0");
	if (ver > TRACE_FORMAT_VERSION)
		return rerr(r, "offset 8: format version %u is newer than this lockstep supports (%u)",
			    ver, TRACE_FORMAT_VERSION);
	hlen = le_get32(fixed + 12);
	if (hlen < TRACE_HEADER_FIXED + 4 + 8 || hlen > TRACE_HEADER_MAX)
		return rerr(r, "offset 12: header length %u out of range", hlen);
	if (r->size < hlen)
		return rerr(r, "offset %llu: truncated in the header (%u bytes long)", (unsigned long long)r->size,
			    hlen);
	h = malloc(hlen);
	if (!h)
		return rerr(r, "offset 0: out of memory reading the header");
	if (read_exact(r, 0, h, hlen, "the header")) {
		free(h);
		return -1;
	}
	if (!trace_checksum_ok(le_get64(h + hlen - 8), XXH3_64bits(h, hlen - 8))) {
		free(h);
		return rerr(r, "offset %u: header checksum mismatch (header is bytes 0-%u)",
			    hlen - 8, hlen - 1);
	}
	ret = trace_header_decode(h, hlen, &r->hdr, &r->hdr_storage, r->err, sizeof(r->err));
	free(h);
	if (ret) {
		r->failed = 1;
		return -1;
	}
	r->hdr.format_version = ver;
	r->header_len = hlen;
	return 0;
}

/* Checks the index entries against each other and the footer. */
static int check_index(struct trace_reader *r, uint64_t idx_off)
{
	for (size_t i = 0; i < r->nframes; i++) {
		const struct trace_frame_info *f = &r->frames[i], *p = i ? f - 1 : NULL;
		uint64_t at = idx_off + TRACE_INDEX_HEAD + (uint64_t)i * TRACE_INDEX_ENTRY;

		if (!p && (f->offset != r->header_len || f->first_event != 0))
			return rerr(r, "offset %llu: index entry 0 does not start after the header",
				    (unsigned long long)at);
		if (p && (f->offset < p->offset + TRACE_FRAME_HEADER_SIZE + 1 ||
			  f->first_event <= p->first_event || f->first_icount < p->first_icount))
			return rerr(r, "offset %llu: index entry %zu out of order", (unsigned long long)at, i);
		if (f->offset + TRACE_FRAME_HEADER_SIZE + 1 > idx_off ||
		    f->first_event >= r->footer.events_stored)
			return rerr(r, "offset %llu: index entry %zu out of range", (unsigned long long)at, i);
	}
	if (!r->nframes && r->footer.events_stored)
		return rerr(r, "offset %llu: footer counts %llu events but there are no frames",
			    (unsigned long long)(r->size - TRACE_FOOTER_SIZE), (unsigned long long)r->footer.events_stored);
	return 0;
}

static int open_footer(struct trace_reader *r, const uint8_t *fb)
{
	uint64_t foff = r->size - TRACE_FOOTER_SIZE, idx_len, n;
	uint8_t head[TRACE_INDEX_HEAD], *idx;
	char why[128];

	if (trace_footer_decode(fb, &r->footer, why, sizeof(why)))
		return rerr(r, "offset %llu: %s", (unsigned long long)foff, why);
	n = r->footer.nframes;
	if (r->footer.index_offset < r->header_len || r->footer.index_offset > foff ||
	    n > (foff - r->footer.index_offset) / TRACE_INDEX_ENTRY ||
	    r->footer.index_offset + TRACE_INDEX_HEAD + n * TRACE_INDEX_ENTRY + 8 != foff)
		return rerr(r, "offset %llu: footer does not match the file (index at %llu, %llu frames)",
			    (unsigned long long)foff, (unsigned long long)r->footer.index_offset, (unsigned long long)n);
	if (r->footer.events_stored > r->footer.events_seen)
		return rerr(r, "offset %llu: footer counts more events stored than seen", (unsigned long long)foff);
	idx_len = foff - r->footer.index_offset;
	if (read_exact(r, r->footer.index_offset, head, sizeof(head), "the index"))
		return -1;
	if (memcmp(head, TRACE_INDEX_MAGIC, 4))
		return rerr(r, "offset %llu: bad index magic", (unsigned long long)r->footer.index_offset);
	if (le_get32(head + 4) != 0 || le_get64(head + 8) != n)
		return rerr(r, "offset %llu: index header does not match the footer",
			    (unsigned long long)r->footer.index_offset);
	idx = malloc(idx_len);
	if (!idx)
		return rerr(r, "offset %llu: out of memory reading the index",
			    (unsigned long long)r->footer.index_offset);
	if (read_exact(r, r->footer.index_offset, idx, idx_len, "the index")) {
		free(idx);
		return -1;
	}
	if (!trace_checksum_ok(le_get64(idx + idx_len - 8), XXH3_64bits(idx, idx_len - 8))) {
		free(idx);
		return rerr(r, "offset %llu: index checksum mismatch", (unsigned long long)r->footer.index_offset);
	}
	r->frames = calloc(n ? n : 1, sizeof(*r->frames));
	if (!r->frames) {
		free(idx);
		return rerr(r, "offset %llu: out of memory reading the index",
			    (unsigned long long)r->footer.index_offset);
	}
	r->nframes = (size_t)n;
	for (size_t i = 0; i < r->nframes; i++)
		trace_index_entry_decode(idx + TRACE_INDEX_HEAD + i * TRACE_INDEX_ENTRY, &r->frames[i]);
	free(idx);
	r->have_footer = 1;
	r->frames_end = r->footer.index_offset;
	r->total_events = r->footer.events_stored;
	r->verify = r->footer.events_stored == r->footer.events_seen;
	return check_index(r, r->footer.index_offset);
}

static int add_frame(struct trace_reader *r, const struct trace_frame_info *f, size_t *cap)
{
	if (r->nframes == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct trace_frame_info *p = realloc(r->frames, nc * sizeof(*p));
		if (!p)
			return rerr(r, "offset %llu: out of memory walking frames", (unsigned long long)f->offset);
		r->frames = p;
		*cap = nc;
	}
	r->frames[r->nframes++] = *f;
	return 0;
}

/* Notes where a file ends early: an error in strict mode, a warning in salvage. */
__attribute__((format(printf, 2, 3)))
static int truncated(struct trace_reader *r, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r->mode == TRACE_READ_STRICT)
		return rerr(r, "offset %llu: truncated trace: %s", (unsigned long long)r->size, what);
	snprintf(r->warning, sizeof(r->warning),
		 "offset %llu: truncated trace: %s; read the %zu complete frames", (unsigned long long)r->size,
		 what, r->nframes);
	return 0;
}

/* Without a footer: find the frames by walking their headers from the header
 * on, to tell truncation (where) from corruption. */
static int walk_frames(struct trace_reader *r)
{
	uint64_t pos = r->header_len, events = 0, icount = 0;
	size_t cap = 0;

	for (;;) {
		uint8_t fh[TRACE_FRAME_HEADER_SIZE];
		struct trace_frame_info f;
		uint64_t left = r->size - pos;
		char why[128];
		int64_t k;

		r->frames_end = pos;
		r->total_events = events;
		if (left == 0)
			return truncated(r, "no index or footer after frame %zu (ends at offset %llu)",
					 r->nframes, (unsigned long long)pos);
		k = src_read(r, pos, fh, left < sizeof(fh) ? (size_t)left : sizeof(fh));
		if (k < 0)
			return rerr(r, "offset %llu: %s", (unsigned long long)pos, strerror(errno));
		if (!memcmp(fh, TRACE_INDEX_MAGIC, k < 4 ? (size_t)k : 4)) {
			uint64_t n, need;

			if (left < TRACE_INDEX_HEAD)
				return truncated(r, "inside the index at offset %llu", (unsigned long long)pos);
			n = le_get64(fh + 8);
			if (n > left / TRACE_INDEX_ENTRY)
				return truncated(r, "inside the index at offset %llu", (unsigned long long)pos);
			need = TRACE_INDEX_HEAD + n * TRACE_INDEX_ENTRY + 8 + TRACE_FOOTER_SIZE;
			if (left < need)
				return truncated(r, "inside the index or footer (index at offset %llu)",
						 (unsigned long long)pos);
			if (left == need)
				return rerr(r, "offset %llu: bad footer magic",
					    (unsigned long long)(r->size - 8));
			return rerr(r, "offset %llu: %llu unexpected bytes after the footer",
				    (unsigned long long)(pos + need), (unsigned long long)(left - need));
		}
		if (memcmp(fh, TRACE_FRAME_MAGIC, k < 4 ? (size_t)k : 4))
			return rerr(r, "offset %llu: bad frame magic (frame %zu)", (unsigned long long)pos, r->nframes);
		if (k < TRACE_FRAME_HEADER_SIZE)
			return truncated(r, "inside the header of frame %zu at offset %llu", r->nframes,
					 (unsigned long long)pos);
		if (trace_frame_header_decode(fh, &f, why, sizeof(why)))
			return rerr(r, "offset %llu: frame %zu: %s", (unsigned long long)pos, r->nframes, why);
		if (f.first_event != events || f.first_icount < icount)
			return rerr(r, "offset %llu: frame %zu out of sequence", (unsigned long long)pos, r->nframes);
		if (left < TRACE_FRAME_HEADER_SIZE + (uint64_t)f.csize)
			return truncated(r, "inside frame %zu (offset %llu, %llu bytes long)",
					 r->nframes, (unsigned long long)pos,
					 (unsigned long long)(TRACE_FRAME_HEADER_SIZE + (uint64_t)f.csize));
		f.offset = pos;
		if (add_frame(r, &f, &cap))
			return -1;
		pos += TRACE_FRAME_HEADER_SIZE + (uint64_t)f.csize;
		events += f.nevents;
		icount = f.first_icount;
	}
}

static int open_common(struct trace_reader *r)
{
	uint8_t fb[TRACE_FOOTER_SIZE];

	bytebuf_init(&r->canon);
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx)
		return rerr(r, "offset 0: out of memory");
	if (open_header(r))
		return -1;
	if (r->size >= r->header_len + TRACE_FOOTER_SIZE) {
		if (read_exact(r, r->size - TRACE_FOOTER_SIZE, fb, sizeof(fb), "the footer"))
			return -1;
		if (!memcmp(fb + TRACE_FOOTER_SIZE - 8, TRACE_FOOTER_MAGIC, 8))
			return open_footer(r, fb);
	}
	return walk_frames(r);
}

static int finish_open(struct trace_reader *r, struct trace_reader **out, char *err, size_t errlen)
{
	if (open_common(r)) {
		snprintf(err, errlen, "%s", r->err);
		trace_reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

int trace_reader_open(struct trace_reader **out, const char *path, enum trace_read_mode mode,
		      char *err, size_t errlen)
{
	struct trace_reader *r;
	struct stat st;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->mode = mode;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st)) {
		snprintf(err, errlen, "%s", strerror(errno));
		trace_reader_close(r);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		trace_reader_close(r);
		return -1;
	}
	r->size = (uint64_t)st.st_size;
	return finish_open(r, out, err, errlen);
}

int trace_reader_open_mem(struct trace_reader **out, const void *data, size_t size,
			  enum trace_read_mode mode, char *err, size_t errlen)
{
	struct trace_reader *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->mode = mode;
	r->fd = -1;
	r->mem = size ? data : (const uint8_t *)"";
	r->size = size;
	return finish_open(r, out, err, errlen);
}

void trace_reader_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->hdr_storage);
	free(r->frames);
	free(r->cbuf);
	free(r->ubuf);
	ZSTD_freeDCtx(r->dctx);
	bytebuf_free(&r->canon);
	free(r);
}

const struct trace_header *trace_reader_header(const struct trace_reader *r)
{
	return &r->hdr;
}

const struct trace_footer *trace_reader_footer(const struct trace_reader *r)
{
	return r->have_footer ? &r->footer : NULL;
}

const char *trace_reader_warning(const struct trace_reader *r)
{
	return r->warning[0] ? r->warning : NULL;
}

int trace_reader_verifies_chains(const struct trace_reader *r)
{
	return r->verify;
}

uint64_t trace_reader_file_size(const struct trace_reader *r)
{
	return r->size;
}

size_t trace_reader_nframes(const struct trace_reader *r)
{
	return r->nframes;
}

const struct trace_frame_info *trace_reader_frame(const struct trace_reader *r, size_t i)
{
	return i < r->nframes ? &r->frames[i] : NULL;
}

const char *trace_reader_error(const struct trace_reader *r)
{
	return r->err;
}

uint64_t trace_reader_event_number(const struct trace_reader *r)
{
	return r->last_evno;
}

size_t trace_reader_event_size(const struct trace_reader *r)
{
	return r->last_size;
}

static int grow(uint8_t **buf, size_t *cap, size_t n)
{
	uint8_t *p;

	if (n <= *cap)
		return 0;
	p = realloc(*buf, n);
	if (!p)
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

static int chains_differ(const uint64_t *a, const uint64_t *b)
{
	return memcmp(a, b, TRACE_NSTREAMS * sizeof(uint64_t)) != 0;
}

/* Reads, checks and decompresses frame i. */
static int load_frame(struct trace_reader *r, size_t i)
{
	struct trace_frame_info *f = &r->frames[i], h;
	uint64_t end = i + 1 < r->nframes ? r->frames[i + 1].offset : r->frames_end;
	uint64_t nev = (i + 1 < r->nframes ? r->frames[i + 1].first_event : r->total_events) -
		       f->first_event;
	uint8_t fh[TRACE_FRAME_HEADER_SIZE];
	char why[128];
	size_t n;

	if (read_exact(r, f->offset, fh, sizeof(fh), "a frame header"))
		return -1;
	if (trace_frame_header_decode(fh, &h, why, sizeof(why)))
		return rerr(r, "offset %llu: frame %zu: %s", (unsigned long long)f->offset, i, why);
	if (h.first_icount != f->first_icount || h.first_event != f->first_event ||
	    chains_differ(h.chains, f->chains))
		return rerr(r, "offset %llu: frame %zu header disagrees with the index",
			    (unsigned long long)f->offset, i);
	if (f->offset + TRACE_FRAME_HEADER_SIZE + h.csize != end || h.nevents != nev)
		return rerr(r, "offset %llu: frame %zu size or event count disagrees with the index",
			    (unsigned long long)f->offset, i);
	if (grow(&r->cbuf, &r->ccap, h.csize) || grow(&r->ubuf, &r->ucap, h.usize ? h.usize : 1))
		return rerr(r, "offset %llu: frame %zu: out of memory", (unsigned long long)f->offset, i);
	if (read_exact(r, f->offset + TRACE_FRAME_HEADER_SIZE, r->cbuf, h.csize, "a frame"))
		return -1;
	if (!trace_checksum_ok(h.payload_hash, XXH3_64bits(r->cbuf, h.csize)))
		return rerr(r, "offset %llu: frame %zu: payload checksum mismatch",
			    (unsigned long long)(f->offset + TRACE_FRAME_HEADER_SIZE), i);
	n = ZSTD_decompressDCtx(r->dctx, r->ubuf, h.usize, r->cbuf, h.csize);
	if (ZSTD_isError(n))
		return rerr(r, "offset %llu: frame %zu: zstd: %s",
			    (unsigned long long)(f->offset + TRACE_FRAME_HEADER_SIZE), i, ZSTD_getErrorName(n));
	if (n != h.usize)
		return rerr(r, "offset %llu: frame %zu: decompressed to %zu bytes, expected %u",
			    (unsigned long long)(f->offset + TRACE_FRAME_HEADER_SIZE), i, n, h.usize);
	h.offset = f->offset;
	*f = h;
	r->cur = i;
	r->upos = 0;
	r->left = h.nevents;
	r->icount = h.first_icount;
	r->evno = h.first_event;
	memcpy(r->chains.h, h.chains, sizeof(r->chains.h));
	return 0;
}

/* After the last event of the loaded frame: nothing left over, chains agree. */
static int end_frame(struct trace_reader *r)
{
	const struct trace_frame_info *f = &r->frames[r->cur];
	const uint64_t *want;

	if (r->upos != f->usize)
		return rerr(r, "offset %llu: frame %zu: %zu bytes after its last event",
			    (unsigned long long)f->offset, r->cur, f->usize - r->upos);
	if (!r->verify)
		return 0;
	want = r->cur + 1 < r->nframes ? r->frames[r->cur + 1].chains : r->footer.chains;
	if (chains_differ(r->chains.h, want))
		return rerr(r, "offset %llu: frame %zu: chain hashes do not match the %s",
			    (unsigned long long)f->offset, r->cur, r->cur + 1 < r->nframes ? "next frame" : "footer");
	return 0;
}

/* Decodes the record at upos of the loaded frame. */
static int decode_record(struct trace_reader *r, struct trace_event *ev)
{
	const struct trace_frame_info *f = &r->frames[r->cur];
	const uint8_t *p = r->ubuf;
	size_t len = f->usize, start = r->upos, pos = start, epos;
	uint64_t tag, delta, plen;
	char why[160];
	int e;

	if ((e = varint_get_u64(p, len, &pos, &tag)) || (e = varint_get_u64(p, len, &pos, &delta)) ||
	    (e = varint_get_u64(p, len, &pos, &plen)))
		return rerr(r, "offset %llu: frame %zu, event %llu, uncompressed byte %zu: %s", (unsigned long long)f->offset,
			    r->cur, (unsigned long long)r->evno, pos, varint_strerror(e));
	if (plen > len - pos)
		return rerr(r, "offset %llu: frame %zu, event %llu, uncompressed byte %zu: payload overruns the frame",
			    (unsigned long long)f->offset, r->cur, (unsigned long long)r->evno, pos);
	e = trace_event_decode_payload(tag, p + pos, (size_t)plen, r->hdr.format_version, ev, &epos,
					why, sizeof(why));
	if (e)
		return rerr(r, "offset %llu: frame %zu, event %llu, uncompressed byte %zu: %s", (unsigned long long)f->offset,
			    r->cur, (unsigned long long)r->evno, e == -2 ? start : pos + epos, why);
	if ((start == 0 && delta != 0) || delta > UINT64_MAX - r->icount)
		return rerr(r, "offset %llu: frame %zu, event %llu, uncompressed byte %zu: bad icount delta",
			    (unsigned long long)f->offset, r->cur, (unsigned long long)r->evno, start);
	r->icount += delta;
	ev->icount = r->icount;
	r->upos = pos + (size_t)plen;
	r->last_size = r->upos - start;
	if (r->verify) {
		if (ev->kind == TRACE_EV_CHECKPOINT) {
			if (chains_differ(ev->u.checkpoint.chains, r->chains.h))
				return rerr(r, "offset %llu: frame %zu, event %llu: checkpoint chain "
					    "hashes do not match the events", (unsigned long long)f->offset, r->cur,
					    (unsigned long long)r->evno);
		} else if (trace_chains_feed_event(&r->chains, ev, &r->canon)) {
			return rerr(r, "offset %llu: out of memory", (unsigned long long)f->offset);
		}
	}
	return 0;
}

int trace_reader_next(struct trace_reader *r, struct trace_event *ev)
{
	for (;;) {
		if (r->failed)
			return -1;
		if (!r->in_frame) {
			if (r->next_frame >= r->nframes)
				return 0;
			if (load_frame(r, r->next_frame))
				return -1;
			r->next_frame++;
			r->in_frame = 1;
		}
		if (!r->left) {
			if (end_frame(r))
				return -1;
			r->in_frame = 0;
			continue;
		}
		if (decode_record(r, ev))
			return -1;
		r->left--;
		r->last_evno = r->evno++;
		if (ev->icount >= r->min_icount)
			return 1;
	}
}

int trace_reader_seek_frame(struct trace_reader *r, size_t i)
{
	if (i > r->nframes)
		return -1;
	r->next_frame = i;
	r->in_frame = 0;
	r->min_icount = 0;
	return 0;
}

int trace_reader_seek_icount(struct trace_reader *r, uint64_t icount)
{
	size_t lo = 0, hi = r->nframes;

	/* lo = the number of frames whose first icount is below icount. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->frames[mid].first_icount < icount)
			lo = mid + 1;
		else
			hi = mid;
	}
	trace_reader_seek_frame(r, lo ? lo - 1 : 0);
	r->min_icount = icount;
	return 0;
}
