/*
 * debugger/reverse.c: reverse execution on a replay (lockstep replay FILE
 * --monitor): goto, reverse-step, reverse-continue and `when`. Going back
 * restores the replay's nearest snapshot before the target and replays
 * forward (replay/replayer.h replay_session_seek), so every position is
 * exactly the state the forward run had there. reverse-continue and
 * reverse-step scan the intervals between restore points backwards, running
 * each forward with the breakpoints armed, and go to the latest hit that
 * their ignore counts do not skip (as gdb does with a reverse-running
 * target: every hit met going back counts, and uses up an ignore count).
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
	replay_session_clear_interrupt(dbg_replay(d));
	/* Interrupted (1): the machine stands short of icount; note says where. */
	return replay_session_seek(dbg_replay(d), icount, note, notelen) < 0 ? -1 : 0;
}

/* One breakpoint's counts while scanning: what it had, and what going back
 * over the hits found so far leaves. */
struct bp_counts {
	int id;
	uint64_t hits, ignore;     /* before the command */
	uint64_t new_hits, new_ignore;
	int enabled;
};

/* A hit the scan saw: where, and which breakpoint. */
struct hit {
	uint64_t icount;
	int bp_id;
};

struct scan {
	struct dbg *d;
	struct replay_session *s;
	uint64_t floor, from;      /* hits in [floor, from) count */
	struct bp_counts *counts;
	size_t ncounts;
	struct hit *hits;
	size_t nhits, caphits;
	uint64_t searched;         /* [searched, from) held no hit that stops */
};

/* SCAN_DIVERGED: the replay diverged on the way; *out is that stop. */
enum { SCAN_NONE, SCAN_FOUND, SCAN_INTERRUPTED, SCAN_ERROR, SCAN_DIVERGED };

static struct bp_counts *counts_of(struct scan *sc, int id)
{
	for (size_t i = 0; i < sc->ncounts; i++)
		if (sc->counts[i].id == id)
			return &sc->counts[i];
	return NULL;
}

static int interrupted(struct scan *sc, const struct dbg_stop *st)
{
	return st->kind == DBG_STOP_INTERRUPTED || replay_session_interrupted(sc->s);
}

/* The seek to an interval found a divergence (its note is in out->detail):
 * the scan stops and reports it, once. */
static int diverged(struct dbg_stop *out)
{
	out->kind = DBG_STOP_REPLAY;
	return SCAN_DIVERGED;
}

/* Run from start to end with every ignore count at 0, recording the hits
 * (at icounts in (start, end]) that lie in [floor, from). Returns
 * SCAN_NONE, SCAN_INTERRUPTED or SCAN_ERROR. */
static int scan_interval(struct scan *sc, uint64_t start, uint64_t end, struct dbg_stop *out)
{
	struct dbg_stop st;
	int r;

	sc->nhits = 0;
	r = replay_session_seek(sc->s, start, out->detail, sizeof(out->detail));
	if (r < 0)
		return SCAN_ERROR;
	if (r > 0)
		return SCAN_INTERRUPTED;
	if (out->detail[0])
		return diverged(out);
	for (;;) {
		/* A Ctrl-C while nothing ran (a snapshot load clears the
		 * machine's stop request) must not wait for a whole interval. */
		if (replay_session_interrupted(sc->s))
			return SCAN_INTERRUPTED;
		dbg_resume(sc->d, end, UINT64_MAX, 0, &st);
		if (interrupted(sc, &st))
			return SCAN_INTERRUPTED;
		if (st.kind == DBG_STOP_REPLAY) {
			/* A divergence is reported once, where it was found. */
			*out = st;
			return SCAN_DIVERGED;
		}
		if (st.kind != DBG_STOP_BREAK)
			return SCAN_NONE;
		if (now(sc->d) >= sc->floor && now(sc->d) < sc->from) {
			if (sc->nhits == sc->caphits) {
				size_t cap = sc->caphits ? 2 * sc->caphits : 64;
				struct hit *h = realloc(sc->hits, cap * sizeof(*h));
				if (!h) {
					snprintf(out->detail, sizeof(out->detail), "out of memory");
					return SCAN_ERROR;
				}
				sc->hits = h;
				sc->caphits = cap;
			}
			sc->hits[sc->nhits++] = (struct hit){ now(sc->d), st.bp_id };
		}
		if (now(sc->d) >= end)
			return SCAN_NONE;
	}
}

/* Go back over the interval's hits, latest first: each counts as a hit and
 * uses up an ignore count; the first with none left is the stop. */
static const struct hit *pick_hit(struct scan *sc)
{
	for (size_t i = sc->nhits; i-- > 0;) {
		struct bp_counts *c = counts_of(sc, sc->hits[i].bp_id);
		if (!c)
			continue;
		c->new_hits++;
		if (c->new_ignore) {
			c->new_ignore--;
			continue;
		}
		return &sc->hits[i];
	}
	return NULL;
}

/* Put the machine at the hit h of the interval starting at start, with the
 * stop as the forward run reported it. */
static int land_on_hit(struct scan *sc, uint64_t start, const struct hit *h, struct dbg_stop *out)
{
	struct dbg_stop st;
	int r = replay_session_seek(sc->s, start, out->detail, sizeof(out->detail));

	if (r)
		return r < 0 ? SCAN_ERROR : SCAN_INTERRUPTED;
	if (out->detail[0])
		return diverged(out);
	do {
		if (replay_session_interrupted(sc->s))
			return SCAN_INTERRUPTED;
		dbg_resume(sc->d, h->icount, UINT64_MAX, 0, &st);
		if (interrupted(sc, &st))
			return SCAN_INTERRUPTED;
		if (st.kind == DBG_STOP_REPLAY) {
			*out = st;
			return SCAN_DIVERGED;
		}
	} while (st.kind == DBG_STOP_BREAK && now(sc->d) < h->icount);
	if (now(sc->d) != h->icount || st.kind != DBG_STOP_BREAK || st.bp_id != h->bp_id) {
		snprintf(out->detail, sizeof(out->detail), "the replay did not repeat the hit of "
			 "breakpoint %d at icount %" PRIu64, h->bp_id, h->icount);
		return SCAN_ERROR;
	}
	*out = st;
	return SCAN_FOUND;
}

/*
 * The latest hit in [floor, from) that ignore counts do not skip, going
 * back from `from` one restore-point interval at a time. SCAN_FOUND: the
 * machine is at the hit, *out is its stop, hit and ignore counts are
 * updated. SCAN_NONE: no such hit (the machine is anywhere; every hit met
 * was counted). SCAN_INTERRUPTED: Ctrl-C; the machine stands where the scan
 * was and the counts are as before. SCAN_ERROR: out->detail.
 */
static int scan_back(struct scan *sc, struct dbg_stop *out)
{
	uint64_t end = sc->from;
	size_t n = 0;
	int r = SCAN_NONE;

	for (struct dbg_bp *bp = dbg_bp_first(sc->d); bp; bp = bp->next)
		n++;
	sc->counts = calloc(n ? n : 1, sizeof(*sc->counts));
	if (!sc->counts) {
		snprintf(out->detail, sizeof(out->detail), "out of memory");
		return SCAN_ERROR;
	}
	/* The scan's runs must see every hit and not count them. A temporary
	 * breakpoint (until) belongs to a forward run: going back it neither
	 * stops nor is used up. */
	for (struct dbg_bp *bp = dbg_bp_first(sc->d); bp; bp = bp->next) {
		sc->counts[sc->ncounts++] = (struct bp_counts){ bp->id, bp->hits, bp->ignore,
							       bp->hits, bp->ignore, bp->enabled };
		bp->ignore = 0;
		if (bp->temporary)
			bp->enabled = 0;
	}
	sc->searched = sc->from;
	/* An interval (start, end] holds the hits at icounts after its start
	 * up to its end (a run does not stop where it starts): the hits at
	 * floor itself are in the interval that ends there. */
	while (r == SCAN_NONE && end > 0 && end >= sc->floor) {
		uint64_t start = replay_session_prev_point(sc->s, end);
		const struct hit *h;
		r = scan_interval(sc, start, end, out);
		if (r != SCAN_NONE)
			break;
		h = pick_hit(sc);
		if (h)
			r = land_on_hit(sc, start, h, out);
		else
			sc->searched = start > sc->floor ? start : sc->floor;
		end = start;
	}
	for (size_t i = 0; i < sc->ncounts; i++) {
		struct dbg_bp *bp = dbg_bp_find(sc->d, sc->counts[i].id);
		const struct bp_counts *c = &sc->counts[i];
		int undo = r == SCAN_INTERRUPTED || r == SCAN_ERROR || r == SCAN_DIVERGED;
		if (!bp)
			continue;
		bp->hits = undo ? c->hits : c->new_hits;
		bp->ignore = undo ? c->ignore : c->new_ignore;
		bp->enabled = c->enabled;
	}
	free(sc->counts);
	free(sc->hits);
	return r;
}

/* Ctrl-C stopped a scan back from icount from: say where the machine is. */
static void report_interrupt(struct scan *sc, struct dbg_stop *out)
{
	out->kind = DBG_STOP_INTERRUPTED;
	if (sc->searched < sc->from)
		snprintf(out->detail, sizeof(out->detail), "at icount %" PRIu64 "; no hit between "
			 "icount %" PRIu64 " and %" PRIu64 " stops going back", now(sc->d),
			 sc->searched, sc->from);
	else
		snprintf(out->detail, sizeof(out->detail), "at icount %" PRIu64 ", before the search "
			 "back from icount %" PRIu64 " found anything", now(sc->d), sc->from);
}

static int any_enabled(struct dbg *d)
{
	for (struct dbg_bp *bp = dbg_bp_first(d); bp; bp = bp->next)
		if (bp->enabled)
			return 1;
	return 0;
}

/* Start a command that goes back from now to floor: out cleared, a pending
 * Ctrl-C dropped. Returns -1 (out->detail says why) outside a replay. */
static int scan_start(struct scan *sc, struct dbg *d, uint64_t floor, struct dbg_stop *out)
{
	*sc = (struct scan){ .d = d, .s = dbg_replay(d), .floor = floor, .from = now(d) };
	memset(out, 0, sizeof(*out));
	if (!sc->s) {
		snprintf(out->detail, sizeof(out->detail), "%s", dbg_needs_replay);
		return -1;
	}
	replay_session_clear_interrupt(sc->s);
	return 0;
}

/* Scan back for a stop (scan_back). Returns 0 when *out is the command's
 * stop (a hit, a divergence, Ctrl-C), -1 on an error, 1 when nothing
 * stopped the scan. */
static int scan_for_stop(struct scan *sc, struct dbg_stop *out)
{
	switch (scan_back(sc, out)) {
	case SCAN_FOUND:
	case SCAN_DIVERGED:
		return 0;
	case SCAN_INTERRUPTED:
		report_interrupt(sc, out);
		return 0;
	case SCAN_ERROR:
		return -1;
	}
	return 1;
}

/* Nothing stopped the scan: go to its floor. Returns -1 if the seek failed,
 * 1 if Ctrl-C stopped it on the way (out->kind is DBG_STOP_INTERRUPTED, the
 * caller says where), else 0 (out->detail: a divergence met on the way, or
 * empty). */
static int seek_to_floor(struct scan *sc, struct dbg_stop *out)
{
	if (replay_session_seek(sc->s, sc->floor, out->detail, sizeof(out->detail)) < 0)
		return -1;
	if (!replay_session_interrupted(sc->s))
		return 0;
	out->kind = DBG_STOP_INTERRUPTED;
	return 1;
}

int dbg_reverse_step(struct dbg *d, uint64_t n, struct dbg_stop *out)
{
	uint64_t ic = now(d), target = n > ic ? 0 : ic - n;
	struct scan sc;
	int r;

	if (scan_start(&sc, d, target, out) < 0)
		return -1;
	/* Like a forward step N, a breakpoint on the way back stops it. */
	if (ic > 0 && any_enabled(d) && (r = scan_for_stop(&sc, out)) <= 0)
		return r;
	r = seek_to_floor(&sc, out);
	if (r < 0)
		return -1;
	if (r > 0)
		snprintf(out->detail, sizeof(out->detail), "at icount %" PRIu64 " on the way back to "
			 "icount %" PRIu64, now(d), target);
	else if (out->detail[0])
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

int dbg_reverse_continue(struct dbg *d, struct dbg_stop *out)
{
	struct scan sc;
	int r;

	if (scan_start(&sc, d, 0, out) < 0)
		return -1;
	r = scan_for_stop(&sc, out);
	if (r <= 0)
		return r;
	r = seek_to_floor(&sc, out);
	if (r < 0)
		return -1;
	if (r > 0) {
		report_interrupt(&sc, out);
		return 0;
	}
	out->kind = DBG_STOP_REPLAY;
	snprintf(out->detail, sizeof(out->detail), "no breakpoint or watchpoint hit before icount %"
		 PRIu64 ": at the start of the trace (icount 0)", sc.from);
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
