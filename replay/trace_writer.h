/*
 * replay/trace_writer.h: streams events into a .trace file
 * (docs/trace-format.md). Memory is bounded by one frame however long the
 * run: events are buffered until a size or count threshold, then compressed
 * into an independent zstd frame and written. The index is rebuilt at finish
 * time by reading the frame headers back, so the output must be a regular,
 * seekable file.
 *
 * Every event extends the chain hashes whether or not it is stored, so
 * storage options never change them.
 *
 * Signals: trace_writer_finish is not async-signal-safe (it allocates and
 * compresses). A SIGINT/SIGTERM handler must only set a volatile
 * sig_atomic_t flag; the run loop sees it at the next instruction boundary,
 * stops, and calls trace_writer_finish on the normal exit path. A process
 * killed before finish leaves every flushed frame readable by `trace show`.
 */
#ifndef LS_REPLAY_TRACE_WRITER_H
#define LS_REPLAY_TRACE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "replay/chain.h"
#include "replay/event.h"
#include "replay/trace_format.h"

struct trace_writer;

/* The defaults. Level 1 compresses event records within about 1% of level
 * 3 at half the cost, and 64 KiB frames keep the frame, the compressed copy
 * and zstd's tables small (a short recording touches fewer fresh pages;
 * seeking decodes less). */
#define TRACE_WRITER_ZSTD_LEVEL 1
#define TRACE_WRITER_FRAME_BYTES (64u << 10)

struct trace_writer_options {
	int zstd_level;            /* 0: default (TRACE_WRITER_ZSTD_LEVEL) */
	size_t frame_bytes;        /* flush when the frame holds this much; 0: 64 KiB */
	uint32_t frame_events;     /* or this many events; 0: 65536 */
	/* Which events to store (1) or only chain (0), e.g. --trace-io; NULL
	 * stores every event. Called after the chains were extended. */
	int (*store)(void *opaque, const struct trace_event *ev);
	void *store_opaque;
};

/* Defaults for every option. */
void trace_writer_options_init(struct trace_writer_options *o);

/*
 * Creates (truncates) path and writes the header from hdr (its format_version
 * is ignored: the current one is written). opt may be NULL for defaults.
 * Returns 0 and the writer in *out, or a negative errno with a one-line
 * message in err.
 */
int trace_writer_open(struct trace_writer **out, const char *path,
		      const struct trace_header *hdr, const struct trace_writer_options *opt,
		      char *err, size_t errlen);

/*
 * The same in two steps: create (truncate) path with no header yet, then
 * write the header, before any event. Recording hashes disk images for the
 * header on the writer's thread (replay/recorder.c) while the machine
 * starts; an error in between leaves an empty file. trace_writer_begin
 * returns 0 or a negative errno (sticky, as for events).
 */
int trace_writer_create(struct trace_writer **out, const char *path,
			const struct trace_writer_options *opt, char *err, size_t errlen);
int trace_writer_begin(struct trace_writer *w, const struct trace_header *hdr);

/* Make err (negative errno) the writer's sticky error, with msg, unless it
 * has one: a failure on the writer's behalf (a blob that cannot be read). */
int trace_writer_abort(struct trace_writer *w, int err, const char *msg);

/*
 * Records one event: extends the chains with its canonical encoding, then
 * stores it if the store filter accepts it. For CHECKPOINT the writer fills
 * in u.checkpoint.chains with the chains at this point (the caller's values
 * are ignored). icount must not decrease from one event to the next. Returns
 * 0, or a negative errno (-EINVAL for a bad event or a decreasing icount,
 * I/O errors); errors are sticky and trace_writer_error describes them.
 */
int trace_write_event(struct trace_writer *w, const struct trace_event *ev);

/* Stores the current frame now (e.g. before a long idle period). */
int trace_writer_flush(struct trace_writer *w);

/* The chain state after every event so far. */
void trace_writer_chains(const struct trace_writer *w, struct trace_chains *out);

/* Events seen (chained) and stored so far. */
uint64_t trace_writer_events_seen(const struct trace_writer *w);
uint64_t trace_writer_events_stored(const struct trace_writer *w);

/*
 * Flushes the last frame, writes the index and the footer (final_icount: the
 * icount at the end of the run, at least the last event's), and closes the
 * file. Returns 0 or a negative errno. Call once; then trace_writer_free.
 */
int trace_writer_finish(struct trace_writer *w, uint64_t final_icount);

/* Releases the writer. Without a successful finish the file is left as it
 * is: readable up to its last flushed frame in salvage mode. NULL is fine. */
void trace_writer_free(struct trace_writer *w);

/* One-line description of the first error, or "" when there was none. */
const char *trace_writer_error(const struct trace_writer *w);

#endif
