/*
 * debugger/reverse.c: reverse execution on a replay (lockstep replay FILE
 * --monitor): goto, reverse-step, reverse-continue and `when`. Going back
 * restores the replay's nearest snapshot before the target and replays
 * forward (replay/replayer.h replay_session_seek), so every position is
 * exactly the state the forward run had there. reverse-continue scans the
 * intervals between restore points backwards, running each forward with the
 * breakpoints armed, and goes to the last hit found.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "debugger/core.h"
#include "replay/replayer.h"

static uint64_t now(struct dbg *d)
{
	return cpu_icount(machine_cpu(dbg_machine(d)));
}

int dbg_goto(struct dbg *d, uint64_t icount, char *note, size_t notelen)
{
	if (!dbg_replay(d)) {
		snprintf(note, notelen, "%s", dbg_needs_replay);
		return -1;
	}
	return replay_session_seek(dbg_replay(d), icount, note, notelen);
}

int dbg_reverse_step(struct dbg *d, uint64_t n, struct dbg_stop *out)
{
	uint64_t ic = now(d), target = n > ic ? 0 : ic - n;

	memset(out, 0, sizeof(*out));
	if (dbg_goto(d, target, out->detail, sizeof(out->detail)))
		return -1;
	if (out->detail[0])
		out->kind = DBG_STOP_REPLAY;   /* a divergence found on the way */
	else if (n > ic) {
		out->kind = DBG_STOP_REPLAY;
		snprintf(out->detail, sizeof(out->detail),
			 "reached the start of the trace (icount 0) after %" PRIu64 " instruction%s back",
			 ic, ic == 1 ? "" : "s");
	} else {
		out->kind = DBG_STOP_DONE;
	}
	return 0;
}

struct saved_counts {
	int id;
	uint64_t hits, ignore;
};

int dbg_reverse_continue(struct dbg *d, struct dbg_stop *out)
{
	struct replay_session *s = dbg_replay(d);
	uint64_t from = now(d), end = from, hit_at = 0;
	struct saved_counts *saved = NULL;
	struct dbg_stop hit, st;
	size_t n = 0;
	int found = 0, rc = 0;
	char note[sizeof(out->detail)];

	memset(out, 0, sizeof(*out));
	if (!s) {
		snprintf(out->detail, sizeof(out->detail), "%s", dbg_needs_replay);
		return -1;
	}
	/* The scan must not count hits or use up ignore counts. */
	for (struct dbg_bp *bp = dbg_bp_first(d); bp; bp = bp->next)
		n++;
	saved = calloc(n ? n : 1, sizeof(*saved));
	if (!saved) {
		snprintf(out->detail, sizeof(out->detail), "out of memory");
		return -1;
	}
	n = 0;
	for (struct dbg_bp *bp = dbg_bp_first(d); bp; bp = bp->next, n++) {
		saved[n] = (struct saved_counts){ bp->id, bp->hits, bp->ignore };
		bp->ignore = 0;
	}
	while (end > 0 && !found) {
		uint64_t start = replay_session_prev_point(s, end);
		if (replay_session_seek(s, start, note, sizeof(note))) {
			snprintf(out->detail, sizeof(out->detail), "%s", note);
			rc = -1;
			break;
		}
		for (;;) {
			dbg_resume(d, end, UINT64_MAX, 0, &st);
			if (st.kind == DBG_STOP_BREAK) {
				if (now(d) < from) {
					hit = st;
					hit_at = now(d);
					found = 1;
				}
				if (now(d) < end)
					continue;
			}
			break;
		}
		if (st.kind == DBG_STOP_INTERRUPTED) {
			*out = st;
			found = -1;
			break;
		}
		end = start;
	}
	for (size_t i = 0; i < n; i++) {
		struct dbg_bp *bp = dbg_bp_find(d, saved[i].id);
		if (bp) {
			bp->hits = saved[i].hits;
			bp->ignore = saved[i].ignore;
		}
	}
	free(saved);
	if (rc || found < 0)
		return rc;
	if (dbg_goto(d, found ? hit_at : 0, note, sizeof(note))) {
		snprintf(out->detail, sizeof(out->detail), "%s", note);
		return -1;
	}
	if (found) {
		struct dbg_bp *bp = dbg_bp_find(d, hit.bp_id);
		if (bp)
			bp->hits++;
		*out = hit;
	} else {
		out->kind = DBG_STOP_REPLAY;
		snprintf(out->detail, sizeof(out->detail),
			 "no breakpoint or watchpoint hit before icount %" PRIu64
			 ": at the start of the trace (icount 0)", from);
	}
	return 0;
}

void dbg_when(struct dbg *d, char *buf, size_t len)
{
	struct machine *m = dbg_machine(d);
	uint64_t ic = now(d), best_ic = 0;
	int best = -1;
	size_t l;

	for (int id = 0; id < MILESTONE_COUNT; id++) {
		uint64_t at = machine_milestone_icount(m, (enum milestone)id);
		if (at != UINT64_MAX && at <= ic && (best < 0 || at >= best_ic)) {
			best = id;
			best_ic = at;
		}
	}
	if (best >= 0)
		snprintf(buf, len, "icount %" PRIu64 ", after %s (boot %u) +%" PRIu64, ic,
			 milestone_name((enum milestone)best), machine_boot_count(m), ic - best_ic);
	else
		snprintf(buf, len, "icount %" PRIu64 " (boot %u)", ic, machine_boot_count(m));
	if (dbg_replay(d) && (l = strlen(buf)) < len)
		snprintf(buf + l, len - l, "; the trace ends at icount %" PRIu64,
			 replay_session_end(dbg_replay(d)));
}
