/*
 * replay/trace_pipe.h: events on their way to a trace writer, in batches,
 * written by a thread of their own when the host has a second CPU.
 *
 * The recorder produces an event every few hundred guest instructions in a
 * SeaBIOS boot. Encoding, hashing into the chains and compressing each one
 * in between evicted the interpreter from the host's caches; the pipe
 * copies events (and their bytes) into a batch instead, and the writer
 * takes whole batches, on a worker thread or, without one, inline when the
 * batch is full. The writer sees the same events in the same order either
 * way, so the file is byte for byte the same (DESIGN.md §2: the thread
 * never touches the machine, only the events handed to it).
 *
 * Errors are sticky and reach the caller at fixed points: a batch's writer
 * error is looked at when its slot is used again, and at every sync. Where
 * a failing recording stops therefore depends on the events and the failure,
 * never on thread timing.
 */
#ifndef LS_REPLAY_TRACE_PIPE_H
#define LS_REPLAY_TRACE_PIPE_H

#include <stddef.h>

#include "replay/event.h"
#include "replay/trace_writer.h"

struct trace_pipe;

enum trace_pipe_mode {
	TRACE_PIPE_AUTO,     /* a thread when more than one CPU is online */
	TRACE_PIPE_INLINE,   /* the caller's thread writes full batches */
	TRACE_PIPE_THREAD,   /* a thread (inline if it cannot be started) */
};

/* A pipe into w, which it borrows: the caller keeps w, and may use it
 * directly only after trace_pipe_sync (or trace_pipe_free). begin(opaque),
 * when not NULL, runs first: on the worker while the caller goes on, or
 * here; it returns 0 or a negative errno, and a failure must stay in the
 * writer (trace_writer_abort), so that every later write fails with it.
 * NULL when out of memory. */
struct trace_pipe *trace_pipe_new(struct trace_writer *w, enum trace_pipe_mode mode,
				  int (*begin)(void *opaque), void *opaque);

/* Whether a worker thread writes (for tests and messages). */
int trace_pipe_threaded(const struct trace_pipe *p);

/* Queue ev (its bytes are copied). Returns 0, or the writer's negative
 * errno once an error has come back (trace_writer_error says what). */
int trace_pipe_put(struct trace_pipe *p, const struct trace_event *ev);

/* Hand what is queued to the writer now, without waiting for it (inline:
 * write it), unless it is only a few events. Returns what trace_pipe_put
 * returns. */
int trace_pipe_flush(struct trace_pipe *p);

/* Write everything queued and wait for it. Returns 0 or the writer's
 * negative errno. */
int trace_pipe_sync(struct trace_pipe *p);

/* Write everything queued, stop the thread and free the pipe (not the
 * writer). Returns what trace_pipe_sync would. */
int trace_pipe_free(struct trace_pipe *p);

#endif
