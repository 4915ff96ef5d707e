/*
 * replay/replayer_internal.h: the runner shared by the batch replayer
 * (replay/replayer.c) and the interactive session (replay/session.c). A
 * runner is one machine rebuilt from a trace plus a reader positioned at the
 * next INPUT or CHECKPOINT event, which is kept as the pending event until
 * the machine reaches its icount. Private to replay/.
 */
#ifndef LS_REPLAY_REPLAYER_INTERNAL_H
#define LS_REPLAY_REPLAYER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "machine/machine.h"
#include "replay/bytebuf.h"
#include "replay/chain.h"
#include "replay/event.h"
#include "replay/observer.h"
#include "replay/replayer.h"
#include "replay/trace_config.h"
#include "replay/trace_reader.h"

struct replay_runner {
	const char *path;
	struct trace_reader *rd;
	struct trace_config tc;
	struct machine *m;
	struct observer obs;
	struct trace_chains chains;
	struct bytebuf scratch;
	/* the next INPUT or CHECKPOINT event */
	int have_pending, eof;
	struct trace_event pending;
	uint8_t *pending_data;
	uint64_t pending_num;        /* its event number */
	/* Deliveries (INTERRUPT events) at the pending event's icount that the
	 * trace stores before it: the recording took them at that boundary
	 * before the event (a run stopped on a delivery), so the runner makes
	 * the machine take them too before handling it. */
	unsigned pending_deliveries;
	uint64_t dl_icount;          /* INTERRUPT events read since the last */
	unsigned dl_n;               /* pending event: icount of the last, how many there */
	unsigned deliver_left;       /* runner_deliver(): deliveries still to stop after */
	uint64_t next_event;         /* number of the first event not yet consumed */
	int skip_monitor_writes;     /* test hook (replay_options) */
	uint64_t checkpoints;        /* CHECKPOINT events consumed (skipped ones included) */
	uint64_t skipped_checkpoints; /* those before the keyframe the runner started at */
	uint64_t last_good;          /* icount of the last checkpoint that matched */
	/* perturbation (test hook) */
	void (*perturb)(void *opaque, struct machine *m);
	void *perturb_opaque;
	uint64_t perturb_icount;
	int perturbed;
	/* the machine's last stop (not a slice boundary) */
	enum machine_stop stop;
	int stopped;
	int until_hit;
	char err[1024];
};

/* Open the trace at path, rebuild the machine and check every blob, then
 * position at start_icount (the last TRACE.keys keyframe at or before it
 * when use_keyframes) or at power-on. serial/debugcon: NULL for "none".
 * Returns 0, or -1 with the message in r->err (free r with
 * replay_runner_free either way). */
int replay_runner_open(struct replay_runner *r, const char *path, const struct replay_options *o,
		       uint64_t start_icount, int use_keyframes, const char *serial,
		       const char *debugcon);
void replay_runner_free(struct replay_runner *r);
/* Read the next INPUT or CHECKPOINT into r->pending unless one is pending;
 * at the end of the trace r->eof is set. Returns 0, or -1 (r->err). */
int replay_runner_fetch(struct replay_runner *r);
/* Inject a recorded INPUT event at the current icount: device input through
 * the observer, monitor writes chained and applied (replay_apply_monitor_input),
 * idle time through machine_idle_until. Returns 0, or -1 (r->err) when the
 * recorded idle time cannot be repeated: the replay has diverged. */
int replay_runner_inject(struct replay_runner *r, const struct trace_event *ev);
/* Compare the machine's state with a CHECKPOINT: a mask of what differs
 * (1 cpu, 2 ram, 4 devices, 8 chains), 0 when equal. */
unsigned replay_checkpoint_compare(struct replay_runner *r, const struct trace_event *cp);
/* Divergences that are no checkpoint mismatch: the machine stopped before
 * the next recorded event, or recorded idle time could not be repeated. */
#define REPLAY_MASK_STOPPED 16
#define REPLAY_MASK_IDLE 32
/* The mask as "cpu,ram,..." (16: "stopped-early", 32: "idle"). */
void replay_describe_mask(unsigned mask, char *buf, size_t len);
uint64_t replay_runner_icount(struct replay_runner *r);
/* Count an event read from the trace: INTERRUPT events at one icount and,
 * for an INPUT or CHECKPOINT (about to be pending), how many of them it
 * follows at its own icount (pending_deliveries). */
void replay_runner_note_read(struct replay_runner *r, const struct trace_event *ev);
/* At the pending event's icount: take its pending_deliveries (the
 * recording stopped on a delivery there before storing the event) and stop
 * at the last one's handler, before it runs. A replay that has diverged
 * may run one instruction instead; the checkpoint then shows it. */
void replay_runner_deliver(struct replay_runner *r);

#endif
