/*
 * replay/trace_reader.h: opens, validates and iterates .trace files
 * (docs/trace-format.md §6). Every part of the file is checksummed; every
 * error is one line naming a byte offset ("offset N: ..."), never a crash.
 *
 * Two modes. STRICT (replay, diff) refuses a truncated file. SALVAGE (trace
 * show/stats) accepts a file that ends early (no footer: a killed recorder,
 * a partial copy): it finds the frames by walking their headers, reads up to
 * the last complete frame, and reports the truncation as a warning.
 * Corruption (a checksum mismatch in a complete structure) is an error in
 * both modes: nothing is silently skipped.
 *
 * When the footer shows that every event was stored, the reader recomputes
 * the chain hashes and checks them against each CHECKPOINT, each frame
 * header and the footer.
 */
#ifndef LS_REPLAY_TRACE_READER_H
#define LS_REPLAY_TRACE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "replay/event.h"
#include "replay/trace_format.h"

struct trace_reader;

enum trace_read_mode {
	TRACE_READ_STRICT,
	TRACE_READ_SALVAGE,
};

/*
 * Opens path, validates the header and the index/footer (or, in salvage mode
 * without a footer, walks the frame headers). Returns 0 and the reader in
 * *out, or -1 with a one-line message ("offset N: reason", or "strerror" for
 * a file that cannot be opened) in err.
 */
int trace_reader_open(struct trace_reader **out, const char *path, enum trace_read_mode mode,
		      char *err, size_t errlen);

/* Likewise on a buffer in memory, which must outlive the reader. */
int trace_reader_open_mem(struct trace_reader **out, const void *data, size_t size,
			  enum trace_read_mode mode, char *err, size_t errlen);

/* Closes the file and frees everything, including header strings and event
 * data. NULL is fine. */
void trace_reader_close(struct trace_reader *r);

/* The decoded header; valid until close. */
const struct trace_header *trace_reader_header(const struct trace_reader *r);

/* The footer, or NULL when the file has none (salvage mode only). */
const struct trace_footer *trace_reader_footer(const struct trace_reader *r);

/* A one-line truncation warning (salvage mode), or NULL for a complete file. */
const char *trace_reader_warning(const struct trace_reader *r);

/* Whether chain hashes are being verified (every event was stored). */
int trace_reader_verifies_chains(const struct trace_reader *r);

uint64_t trace_reader_file_size(const struct trace_reader *r);

/* Frames, from the index or the walk. csize, usize and nevents are known
 * once the frame has been read (0 before). */
size_t trace_reader_nframes(const struct trace_reader *r);
const struct trace_frame_info *trace_reader_frame(const struct trace_reader *r, size_t i);

/*
 * Next event in file order. Returns 1 with the event in *ev, 0 at the end,
 * or -1 on an error (trace_reader_error says which; errors are sticky).
 * Byte data in ev (out.data, input.data) points into the reader and stays
 * valid until the next call to next, a seek, or close.
 */
int trace_reader_next(struct trace_reader *r, struct trace_event *ev);

/* Number (0-based, among stored events) and stored record size in bytes of
 * the event the last successful next returned. */
uint64_t trace_reader_event_number(const struct trace_reader *r);
size_t trace_reader_event_size(const struct trace_reader *r);

/* Continue from the first event of frame i (i == nframes: the end).
 * Returns 0, or -1 when i is out of range. */
int trace_reader_seek_frame(struct trace_reader *r, size_t i);

/* Continue from the first event whose icount is >= icount, found by binary
 * search over the index: only one frame is decoded to get there. Returns 0. */
int trace_reader_seek_icount(struct trace_reader *r, uint64_t icount);

/* The last error, "offset N: reason", or "" when there was none. */
const char *trace_reader_error(const struct trace_reader *r);

#endif
