/* replay/trace_writer.c: streaming trace writer (frames, index, footer). */
#include "replay/trace_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* Inlined: the chains hash each event's few bytes twice, where a library
 * call costs more than the hash (same algorithm, same values). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "replay/varint.h"

struct trace_writer {
	int fd;
	uint64_t off;                  /* where the next byte goes */
	uint64_t header_len;
	struct trace_writer_options opt;
	ZSTD_CCtx *cctx;
	struct bytebuf frame;          /* records of the frame being built */
	struct bytebuf canon;          /* one event's canonical encoding */
	struct bytebuf zbuf;           /* frame header + compressed payload */
	struct trace_chains chains;
	struct trace_frame_info cur;   /* the frame being built */
	uint64_t prev_icount;          /* icount of the last stored event in this frame */
	uint64_t last_icount;          /* icount of the last event seen */
	uint64_t seen, stored, nframes;
	int err;                       /* sticky negative errno */
	int finished;
	char msg[256];
};

/* Room past frame_bytes for the record that crosses it. */
#define FRAME_SLACK 1024

void trace_writer_options_init(struct trace_writer_options *o)
{
	memset(o, 0, sizeof(*o));
	o->zstd_level = TRACE_WRITER_ZSTD_LEVEL;
	o->frame_bytes = TRACE_WRITER_FRAME_BYTES;
	o->frame_events = 65536;
}

static int fail(struct trace_writer *w, int err, const char *fmt, const char *detail)
{
	if (!w->err) {
		w->err = err;
		snprintf(w->msg, sizeof(w->msg), fmt, detail);
	}
	return w->err;
}

static int write_all(struct trace_writer *w, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = pwrite(w->fd, p, n, (off_t)w->off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(w, r < 0 ? -errno : -EIO, "write failed: %s",
				    strerror(r < 0 ? errno : EIO));
		p += r;
		n -= (size_t)r;
		w->off += (uint64_t)r;
	}
	return 0;
}

static int read_at(struct trace_writer *w, uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t r = pread(w->fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(w, r < 0 ? -errno : -EIO, "reading back frame headers: %s",
				    r < 0 ? strerror(errno) : "short read");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int trace_writer_create(struct trace_writer **out, const char *path,
			const struct trace_writer_options *opt, char *err, size_t errlen)
{
	struct trace_writer *w = calloc(1, sizeof(*w));
	int r;

	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	w->fd = -1;
	if (opt)
		w->opt = *opt;
	else
		trace_writer_options_init(&w->opt);
	if (!w->opt.zstd_level)
		w->opt.zstd_level = TRACE_WRITER_ZSTD_LEVEL;
	if (!w->opt.frame_bytes)
		w->opt.frame_bytes = TRACE_WRITER_FRAME_BYTES;
	if (!w->opt.frame_events)
		w->opt.frame_events = 65536;
	bytebuf_init(&w->frame);
	bytebuf_init(&w->canon);
	bytebuf_init(&w->zbuf);
	trace_chains_init(&w->chains);
	/* A frame's worth of room, and of compressed room, at once: growing by
	 * doubling copied the frame five times and ended in a 128 KiB block of
	 * fresh pages. (An event with more data than the slack still grows it.) */
	bytebuf_reserve(&w->frame, w->opt.frame_bytes + FRAME_SLACK);
	bytebuf_reserve(&w->zbuf, TRACE_FRAME_HEADER_SIZE +
			ZSTD_compressBound(w->opt.frame_bytes + FRAME_SLACK));
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx || w->frame.oom || w->zbuf.oom) {
		snprintf(err, errlen, "%s: out of memory", path);
		trace_writer_free(w);
		return -ENOMEM;
	}
	w->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		trace_writer_free(w);
		return r;
	}
	*out = w;
	return 0;
}

int trace_writer_begin(struct trace_writer *w, const struct trace_header *hdr)
{
	struct bytebuf hb;

	if (w->err)
		return w->err;
	if (w->header_len || w->seen)
		return fail(w, -EINVAL, "header written twice or after events%s", "");
	bytebuf_init(&hb);
	trace_header_encode(hdr, &hb);
	if (hb.oom)
		fail(w, -ENOMEM, "out of memory%s", "");
	else if (hb.len > TRACE_HEADER_MAX)
		fail(w, -EINVAL, "header too large%s", "");
	else if (!write_all(w, hb.data, hb.len))
		w->header_len = hb.len;
	bytebuf_free(&hb);
	return w->err;
}

int trace_writer_abort(struct trace_writer *w, int err, const char *msg)
{
	return fail(w, err, "%s", msg);
}

int trace_writer_open(struct trace_writer **out, const char *path,
		      const struct trace_header *hdr, const struct trace_writer_options *opt,
		      char *err, size_t errlen)
{
	int r = trace_writer_create(out, path, opt, err, errlen);

	if (r)
		return r;
	r = trace_writer_begin(*out, hdr);
	if (r) {
		snprintf(err, errlen, "%s: %s", path, trace_writer_error(*out));
		trace_writer_free(*out);
		*out = NULL;
	}
	return r;
}

int trace_writer_flush(struct trace_writer *w)
{
	size_t bound, n;

	if (w->err)
		return w->err;
	if (!w->cur.nevents)
		return 0;
	if (w->frame.oom)
		return fail(w, -ENOMEM, "out of memory%s", "");
	bound = ZSTD_compressBound(w->frame.len);
	bytebuf_clear(&w->zbuf);
	if (bytebuf_reserve(&w->zbuf, TRACE_FRAME_HEADER_SIZE + bound))
		return fail(w, -ENOMEM, "out of memory%s", "");
	n = ZSTD_compressCCtx(w->cctx, w->zbuf.data + TRACE_FRAME_HEADER_SIZE, bound,
			      w->frame.data, w->frame.len, w->opt.zstd_level);
	if (ZSTD_isError(n))
		return fail(w, -EIO, "zstd: %s", ZSTD_getErrorName(n));
	if (n > TRACE_FRAME_MAX || w->frame.len > TRACE_FRAME_MAX)
		return fail(w, -EINVAL, "frame too large%s", "");
	w->cur.offset = w->off;
	w->cur.csize = (uint32_t)n;
	w->cur.usize = (uint32_t)w->frame.len;
	w->cur.payload_hash = XXH3_64bits(w->zbuf.data + TRACE_FRAME_HEADER_SIZE, n);
	trace_frame_header_encode(&w->cur, w->zbuf.data);
	if (write_all(w, w->zbuf.data, TRACE_FRAME_HEADER_SIZE + n))
		return w->err;
	w->nframes++;
	w->cur.nevents = 0;
	bytebuf_clear(&w->frame);
	return 0;
}

/* An event with at most this many data bytes is encoded on the stack. */
#define SMALL_DATA 64
#define SMALL_CANON (2 * VARINT_MAX_LEN + TRACE_PAYLOAD_FIXED_MAX + SMALL_DATA)
/* Payloads up to this long are copied into the frame as one fixed-size
 * move (the frame keeps that much room past the record). The bytes past
 * the payload are scratch: the next record overwrites them, and only the
 * frame's first len bytes are ever compressed. */
#define SHORT_PAYLOAD 32

/*
 * The per-event path. The payload is encoded once, straight after the
 * canonical prefix (tag, absolute icount), on the stack unless it carries
 * many data bytes (then in w->canon); the chains hash that as it stands.
 * The frame record (tag, icount delta, length, payload) is then written in
 * place, the payload copied from there. The bytes are those of
 * trace_event_encode_canonical and trace_event_encode_payload.
 */
int trace_write_event(struct trace_writer *w, const struct trace_event *ev)
{
	uint8_t small[SMALL_CANON];
	uint8_t *canon = small, *q;
	struct trace_event cp;
	size_t npre, clen, plen, data;
	char why[128];
	int s;

	if (w->err)
		return w->err;
	if (w->finished)
		return fail(w, -EINVAL, "event written after finish%s", "");
	if (!w->header_len)
		return fail(w, -EINVAL, "event written before the header%s", "");
	if (trace_event_check(ev, why, sizeof(why)))
		return fail(w, -EINVAL, "bad event: %s", why);
	if (w->seen && ev->icount < w->last_icount)
		return fail(w, -EINVAL, "icount went backwards%s", "");
	if (ev->kind == TRACE_EV_CHECKPOINT) {
		cp = *ev;
		memcpy(cp.u.checkpoint.chains, w->chains.h, sizeof(w->chains.h));
		ev = &cp;
	}
	data = trace_event_data_len(ev);
	if (data > SMALL_DATA) {
		bytebuf_clear(&w->canon);
		if (bytebuf_room(&w->canon, 2 * VARINT_MAX_LEN + TRACE_PAYLOAD_FIXED_MAX + data))
			return fail(w, -ENOMEM, "out of memory%s", "");
		canon = w->canon.data;
	}

	/* Canonical encoding: prefix, then the payload. */
	q = bytebuf_uvar_at(canon, trace_event_tag(ev->kind));
	q = bytebuf_uvar_at(q, ev->icount);
	npre = (size_t)(q - canon);
	clen = (size_t)(trace_event_encode_payload_at(ev, q) - canon);
	plen = clen - npre;
	s = trace_event_stream(ev->kind);
	if (!w->cur.nevents)
		memcpy(w->cur.chains, w->chains.h, sizeof(w->cur.chains));
	if (s >= 0) {
		w->chains.h[TRACE_STREAM_ALL] = XXH3_64bits_withSeed(canon, clen,
								     w->chains.h[TRACE_STREAM_ALL]);
		if (s != TRACE_STREAM_ALL)
			w->chains.h[s] = XXH3_64bits_withSeed(canon, clen, w->chains.h[s]);
	}
	w->seen++;
	w->last_icount = ev->icount;
	if (w->opt.store && !w->opt.store(w->opt.store_opaque, ev))
		return 0;

	if (!w->cur.nevents) {
		w->cur.first_icount = ev->icount;
		w->cur.first_event = w->stored;
		w->prev_icount = ev->icount;
	}
	if (bytebuf_room(&w->frame, 3 * VARINT_MAX_LEN + plen + SHORT_PAYLOAD))
		return fail(w, -ENOMEM, "out of memory%s", "");
	q = w->frame.data + w->frame.len;
	q = bytebuf_uvar_at(q, trace_event_tag(ev->kind));
	q = bytebuf_uvar_at(q, ev->icount - w->prev_icount);
	q = bytebuf_uvar_at(q, plen);
	if (plen <= SHORT_PAYLOAD)
		memcpy(q, canon + npre, SHORT_PAYLOAD);
	else
		memcpy(q, canon + npre, plen);
	w->frame.len = (size_t)(q + plen - w->frame.data);
	w->prev_icount = ev->icount;
	w->cur.nevents++;
	w->stored++;
	if (w->frame.len >= w->opt.frame_bytes || w->cur.nevents >= w->opt.frame_events)
		return trace_writer_flush(w);
	return 0;
}

void trace_writer_chains(const struct trace_writer *w, struct trace_chains *out)
{
	*out = w->chains;
}

uint64_t trace_writer_events_seen(const struct trace_writer *w)
{
	return w->seen;
}

uint64_t trace_writer_events_stored(const struct trace_writer *w)
{
	return w->stored;
}

/* Writes the index by reading each frame header back from the file. */
static int write_index(struct trace_writer *w)
{
	XXH3_state_t *st = XXH3_createState();
	uint8_t fh[TRACE_FRAME_HEADER_SIZE], chunk[64 * TRACE_INDEX_ENTRY];
	uint64_t pos = w->header_len;
	size_t n = 0;
	char why[128];

	if (!st)
		return fail(w, -ENOMEM, "out of memory%s", "");
	XXH3_64bits_reset(st);
	memcpy(chunk, TRACE_INDEX_MAGIC, 4);
	le_put32(chunk + 4, 0);
	le_put64(chunk + 8, w->nframes);
	XXH3_64bits_update(st, chunk, TRACE_INDEX_HEAD);
	if (write_all(w, chunk, TRACE_INDEX_HEAD))
		goto out;
	for (uint64_t i = 0; i < w->nframes; i++) {
		struct trace_frame_info f;

		if (read_at(w, fh, sizeof(fh), pos))
			goto out;
		if (trace_frame_header_decode(fh, &f, why, sizeof(why))) {
			fail(w, -EIO, "reading back frame headers: %s", why);
			goto out;
		}
		f.offset = pos;
		trace_index_entry_encode(&f, chunk + n);
		n += TRACE_INDEX_ENTRY;
		pos += TRACE_FRAME_HEADER_SIZE + f.csize;
		if (n == sizeof(chunk) || i + 1 == w->nframes) {
			XXH3_64bits_update(st, chunk, n);
			if (write_all(w, chunk, n))
				goto out;
			n = 0;
		}
	}
	le_put64(chunk, XXH3_64bits_digest(st));
	write_all(w, chunk, 8);
out:
	XXH3_freeState(st);
	return w->err;
}

int trace_writer_finish(struct trace_writer *w, uint64_t final_icount)
{
	struct trace_footer ft;
	uint8_t fb[TRACE_FOOTER_SIZE];

	if (!w->err && w->finished)
		return fail(w, -EINVAL, "finish called twice%s", "");
	if (!w->header_len)
		return fail(w, -EINVAL, "no header written%s", "");
	if (trace_writer_flush(w))
		return w->err;
	w->finished = 1;
	if (w->seen && final_icount < w->last_icount)
		final_icount = w->last_icount;
	memset(&ft, 0, sizeof(ft));
	ft.index_offset = w->off;
	ft.nframes = w->nframes;
	ft.events_stored = w->stored;
	ft.events_seen = w->seen;
	ft.final_icount = final_icount;
	memcpy(ft.chains, w->chains.h, sizeof(ft.chains));
	if (write_index(w))
		return w->err;
	trace_footer_encode(&ft, fb);
	if (write_all(w, fb, sizeof(fb)))
		return w->err;
	if (close(w->fd))
		return fail(w, -errno, "close: %s", strerror(errno));
	w->fd = -1;
	return 0;
}

void trace_writer_free(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	bytebuf_free(&w->frame);
	bytebuf_free(&w->canon);
	bytebuf_free(&w->zbuf);
	free(w);
}

const char *trace_writer_error(const struct trace_writer *w)
{
	return w->msg;
}
