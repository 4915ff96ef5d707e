/*
 * replay/session.c: the interactive replay that `lockstep replay FILE
 * --monitor` drives (replay/replayer.h: struct replay_session; docs/replay.md
 * §6). One runner (replay/replayer_internal.h) replays forward, injecting the
 * recorded INPUT events and verifying CHECKPOINTs; on its way it keeps
 * in-memory restore points (snapshot, chains, reader position), which with
 * the trace's keyframes let replay_session_seek reach any icount by
 * restoring the nearest one before it and replaying forward.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "machine/state.h"
#include "replay/keyframes.h"
#include "replay/replayer.h"
#include "replay/replayer_internal.h"


/* A restore point kept in memory: the state at icount before the events
 * recorded there were handled, and where the trace reader was. */
struct snap_point {
	uint64_t icount;
	uint8_t *buf;
	size_t len;
	struct trace_chains chains;
	uint64_t next_event;
	uint64_t checkpoints, last_good;
	uint16_t out_port;
	uint32_t out_value;
	uint64_t obs_events;
	uint64_t dl_icount;     /* the runner's delivery count before event next_event */
	unsigned dl_n;
};

#define SESSION_MAX_SNAPS 512

struct replay_session {
	struct replay_runner r;
	char *path, *kpath;
	int verify;
	uint64_t end_icount;
	struct keyframe *keys;
	uint64_t *key_cps;                  /* checkpoints stored before each keyframe */
	size_t nkeys;
	struct snap_point *snaps;
	size_t nsnaps;
	uint64_t snap_every, next_snap, snap_bytes, budget;
	int diverged;
	char divmsg[1024];
	/* Which checkpoints have been verified (by number in the trace, with
	 * their icounts): a keyframe jump passes over some. */
	uint8_t *vbits;
	size_t vcap;                        /* bytes of vbits */
	uint64_t verified, verified_top, verified_upto;   /* count, highest number + 1, its icount */
	volatile sig_atomic_t interrupt;    /* replay_session_interrupt */
};

struct machine *replay_session_machine(struct replay_session *s) { return s->r.m; }
uint64_t replay_session_end(const struct replay_session *s) { return s->end_icount; }

static void snap_free_all(struct replay_session *s)
{
	for (size_t i = 0; i < s->nsnaps; i++)
		free(s->snaps[i].buf);
	free(s->snaps);
	s->snaps = NULL;
	s->nsnaps = 0;
}

void replay_session_free(struct replay_session *s)
{
	if (!s)
		return;
	replay_runner_free(&s->r);
	snap_free_all(s);
	free(s->keys);
	free(s->key_cps);
	free(s->vbits);
	free(s->path);
	free(s->kpath);
	free(s);
}

/* Index of the last snapshot at or before icount, or -1. */
static long snap_find(const struct replay_session *s, uint64_t icount)
{
	long best = -1;
	for (size_t i = 0; i < s->nsnaps && s->snaps[i].icount <= icount; i++)
		best = (long)i;
	return best;
}

/* Keep the memory bound: drop every other snapshot after the first and
 * double the interval, until within budget. */
static void snap_thin(struct replay_session *s)
{
	while (s->nsnaps > 2 && (s->snap_bytes > s->budget || s->nsnaps > SESSION_MAX_SNAPS)) {
		size_t j = 1;
		for (size_t i = 1; i < s->nsnaps; i++) {
			if (i % 2) {
				s->snap_bytes -= s->snaps[i].len;
				free(s->snaps[i].buf);
			} else {
				s->snaps[j++] = s->snaps[i];
			}
		}
		s->nsnaps = j;
		s->snap_every *= 2;
	}
}

/* Save the state here as a restore point (before the events at this icount). */
static void snap_take(struct replay_session *s)
{
	struct replay_runner *r = &s->r;
	struct snap_point p, *v;
	uint64_t ic = replay_runner_icount(r);
	long at = snap_find(s, ic);
	char e[300];
	uint8_t *shrunk;

	if (at >= 0 && s->snaps[at].icount == ic)
		return;
	memset(&p, 0, sizeof(p));
	if (machine_snapshot_save(r->m, &p.buf, &p.len, e, sizeof(e)))
		return;   /* no restore point here: seeking gets slower, not wrong */
	shrunk = realloc(p.buf, p.len);
	if (shrunk)
		p.buf = shrunk;
	p.icount = ic;
	p.chains = r->chains;
	p.next_event = r->have_pending ? r->pending_num : r->next_event;
	p.checkpoints = r->checkpoints;
	p.last_good = r->last_good;
	p.out_port = r->obs.last_out_port;
	p.out_value = r->obs.last_out_value;
	p.obs_events = r->obs.events;
	p.dl_icount = r->have_pending ? r->pending.icount : r->dl_icount;
	p.dl_n = r->have_pending ? r->pending_deliveries : r->dl_n;
	v = realloc(s->snaps, (s->nsnaps + 1) * sizeof(*v));
	if (!v) {
		free(p.buf);
		return;
	}
	s->snaps = v;
	memmove(&v[at + 2], &v[at + 1], (s->nsnaps - (size_t)(at + 1)) * sizeof(*v));
	v[at + 1] = p;
	s->nsnaps++;
	s->snap_bytes += p.len;
	snap_thin(s);
}

/* Position the reader so the next event read is number evnum (events
 * before it are consumed), searching from icount. */
static int runner_seek_event(struct replay_runner *r, uint64_t icount, uint64_t evnum)
{
	struct trace_event ev;

	r->have_pending = 0;
	r->eof = 0;
	r->next_event = evnum;
	trace_reader_seek_icount(r->rd, icount);
	for (;;) {
		int n = trace_reader_next(r->rd, &ev);
		uint64_t num;
		if (n < 0) {
			snprintf(r->err, sizeof(r->err), "%s: %s", r->path, trace_reader_error(r->rd));
			return -1;
		}
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		num = trace_reader_event_number(r->rd);
		if (num < evnum)
			continue;
		r->next_event = num + 1;
		replay_runner_note_read(r, &ev);
		if (ev.kind == TRACE_EV_INPUT || ev.kind == TRACE_EV_CHECKPOINT) {
			uint8_t *d = NULL;
			if (ev.kind == TRACE_EV_INPUT) {
				d = realloc(r->pending_data, ev.u.input.len + 1);
				if (!d) {
					snprintf(r->err, sizeof(r->err), "out of memory");
					return -1;
				}
				memcpy(d, ev.u.input.data, ev.u.input.len);
				r->pending_data = d;
			}
			r->pending = ev;
			if (d)
				r->pending.u.input.data = d;
			r->pending_num = num;
			r->have_pending = 1;
		}
		return 0;
	}
}

static void session_next_snap(struct replay_session *s, int exact)
{
	uint64_t ic = replay_runner_icount(&s->r);
	s->next_snap = (ic + s->snap_every - (exact ? 1 : 0)) / s->snap_every * s->snap_every;
	if (!exact && s->next_snap == ic)
		s->next_snap += s->snap_every;
}

/* Number the checkpoints a keyframe jump passes over: key_cps[i], the
 * CHECKPOINTs among the events stored before keyframe i, in one pass over
 * the trace; then the reader is back at its first event. */
static int count_key_checkpoints(struct replay_session *s)
{
	struct trace_event ev;
	uint64_t n = 0;
	size_t i = 0;

	for (;;) {
		int k = trace_reader_next(s->r.rd, &ev);
		uint64_t num = k > 0 ? trace_reader_event_number(s->r.rd) : UINT64_MAX;
		if (k < 0) {
			snprintf(s->r.err, sizeof(s->r.err), "%s: %s", s->path,
				 trace_reader_error(s->r.rd));
			return -1;
		}
		while (i < s->nkeys && s->keys[i].events_stored <= num)
			s->key_cps[i++] = n;
		if (k == 0 || i == s->nkeys)
			break;
		n += ev.kind == TRACE_EV_CHECKPOINT;
	}
	trace_reader_seek_frame(s->r.rd, 0);
	return 0;
}

struct replay_session *replay_session_open(const char *path, const struct replay_options *o,
					   char *err, size_t errlen)
{
	struct replay_options defaults;
	struct replay_session *s = calloc(1, sizeof(*s));
	const struct trace_footer *ft;
	int missing;
	char e[900];

	if (!o) {
		replay_options_init(&defaults);
		o = &defaults;
	}
	if (!s || !(s->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	if (replay_runner_open(&s->r, s->path, o, 0, 0, o->serial, o->debugcon)) {
		snprintf(err, errlen, "%s", s->r.err);
		replay_session_free(s);
		return NULL;
	}
	s->verify = o->verify;
	s->snap_every = o->snapshot_every ? o->snapshot_every : REPLAY_SNAPSHOT_EVERY;
	s->budget = o->snapshot_budget ? o->snapshot_budget : REPLAY_SNAPSHOT_BUDGET;
	ft = trace_reader_footer(s->r.rd);
	s->end_icount = ft ? ft->final_icount : UINT64_MAX;
	if (o->use_keyframes) {
		size_t n = strlen(path) + sizeof(KEYFRAMES_SUFFIX);
		s->kpath = malloc(n);
		if (!s->kpath) {
			snprintf(err, errlen, "out of memory");
			replay_session_free(s);
			return NULL;
		}
		snprintf(s->kpath, n, "%s%s", path, KEYFRAMES_SUFFIX);
		if (keyframes_index(s->kpath, &s->keys, &s->nkeys, &missing, e, sizeof(e)) && !missing) {
			snprintf(err, errlen, "%s", e);
			replay_session_free(s);
			return NULL;
		}
		if (s->nkeys && !(s->key_cps = malloc(s->nkeys * sizeof(*s->key_cps)))) {
			snprintf(err, errlen, "out of memory");
			replay_session_free(s);
			return NULL;
		}
		if (count_key_checkpoints(s)) {
			snprintf(err, errlen, "%s", s->r.err);
			replay_session_free(s);
			return NULL;
		}
	}
	if (replay_runner_fetch(&s->r)) {
		snprintf(err, errlen, "%s", s->r.err);
		replay_session_free(s);
		return NULL;
	}
	snap_take(s);
	session_next_snap(s, 0);
	return s;
}

/* A divergence at the checkpoint in r->pending (mask: what differs), or
 * recorded idle time the replay could not repeat (mask 0, r->err). */
static void session_diverged(struct replay_session *s, unsigned mask, char *note, size_t notelen)
{
	char what[64];

	replay_describe_mask(mask, what, sizeof(what));
	s->diverged = 1;
	s->verify = 0;
	if (mask)
		snprintf(s->divmsg, sizeof(s->divmsg),
			 "replay diverged at checkpoint %" PRIu64 " (icount %" PRIu64 "; differs: %s); "
			 "last good checkpoint at icount %" PRIu64, s->r.checkpoints - 1,
			 s->r.pending.icount, what, s->r.last_good);
	else
		snprintf(s->divmsg, sizeof(s->divmsg),
			 "replay diverged at icount %" PRIu64 ", before checkpoint %" PRIu64 ": %s; "
			 "last good checkpoint at icount %" PRIu64, s->r.pending.icount,
			 s->r.checkpoints, s->r.err, s->r.last_good);
	snprintf(note, notelen, "%s; checkpoints are no longer verified", s->divmsg);
}

/* Checkpoint number n (at icount) matched. */
static void mark_verified(struct replay_session *s, uint64_t n, uint64_t icount)
{
	if (n / 8 >= s->vcap) {
		size_t cap = s->vcap ? s->vcap : 64;
		uint8_t *v;
		while (n / 8 >= cap)
			cap *= 2;
		if (!(v = realloc(s->vbits, cap)))
			return;   /* the summary undercounts; nothing else depends on it */
		memset(v + s->vcap, 0, cap - s->vcap);
		s->vbits = v;
		s->vcap = cap;
	}
	if (s->vbits[n / 8] & (1u << (n % 8)))
		return;
	s->vbits[n / 8] |= (uint8_t)(1u << (n % 8));
	s->verified++;
	if (n + 1 > s->verified_top) {
		s->verified_top = n + 1;
		s->verified_upto = icount;
	}
}

/* Handle the events recorded at or before the current icount, in trace
 * order: inject INPUTs, verify CHECKPOINTs. Returns 0, or -1 with the note
 * filled (a divergence or a read error). */
static int session_handle_due(struct replay_session *s, char *note, size_t notelen)
{
	struct replay_runner *r = &s->r;
	uint64_t ic = replay_runner_icount(r);

	while (r->have_pending && r->pending.icount <= ic) {
		r->have_pending = 0;
		r->next_event = r->pending_num + 1;
		if (r->pending_deliveries && r->pending.icount == ic)
			replay_runner_deliver(r);
		if (r->pending.kind == TRACE_EV_INPUT) {
			if (replay_runner_inject(r, &r->pending) && s->verify) {
				session_diverged(s, 0, note, notelen);
				return -1;
			}
		} else {
			r->checkpoints++;
			if (s->verify) {
				unsigned mask = replay_checkpoint_compare(r, &r->pending);
				if (mask) {
					session_diverged(s, mask, note, notelen);
					return -1;
				}
				r->last_good = r->pending.icount;
				mark_verified(s, r->checkpoints - 1, r->last_good);
			}
		}
		if (replay_runner_fetch(r)) {
			snprintf(note, notelen, "%s", r->err);
			return -1;
		}
	}
	return 0;
}

enum machine_stop replay_session_run(struct replay_session *s, const struct machine_until *until,
				     char *note, size_t notelen)
{
	struct replay_runner *r = &s->r;

	note[0] = 0;
	for (;;) {
		uint64_t ic = replay_runner_icount(r), bound;
		enum machine_stop why;
		int at;

		if (until && until->kind == UNTIL_ICOUNT && ic >= until->value)
			return MACHINE_STOP_UNTIL;
		if (replay_runner_fetch(r)) {
			snprintf(note, notelen, "%s", r->err);
			return MACHINE_STOP_REQUEST;
		}
		if (ic >= s->next_snap) {
			if (ic == s->next_snap)
				snap_take(s);
			session_next_snap(s, 0);
		}
		/* The events recorded at this icount, in trace order. */
		if (session_handle_due(s, note, notelen))
			return MACHINE_STOP_REQUEST;
		if (!r->have_pending) {
			snprintf(note, notelen, "end of the trace at icount %" PRIu64
				 " (the recording ended here)", ic);
			return MACHINE_STOP_REQUEST;
		}
		bound = r->pending.icount < s->next_snap ? r->pending.icount : s->next_snap;
		why = machine_run_slice(r->m, until, bound, &at);
		if (at)
			continue;
		/* The guest ended the run (exit, power-off, dead): no run leaves
		 * this icount, so the events recorded here, the recording's
		 * final checkpoint among them, are handled now. A stop the
		 * debugger asked for leaves them for the next run. */
		if (why != MACHINE_STOP_REQUEST && why != MACHINE_STOP_SIGNAL &&
		    why != MACHINE_STOP_UNTIL && session_handle_due(s, note, notelen))
			return MACHINE_STOP_REQUEST;
		return why;
	}
}

int replay_session_seek(struct replay_session *s, uint64_t target, char *note, size_t notelen)
{
	struct replay_runner *r = &s->r;
	uint64_t ic = replay_runner_icount(r), best = 0;
	int use = 0;   /* 0 here, 1 snapshot, 2 keyframe */
	long si = snap_find(s, target);
	const struct keyframe *k = NULL;
	char e[900];

	note[0] = 0;
	if (target > s->end_icount) {
		snprintf(note, notelen, "icount %" PRIu64 " is beyond the end of the trace (icount %"
			 PRIu64 ")", target, s->end_icount);
		return -1;
	}
	if (ic <= target)
		best = ic;
	else
		use = -1;
	if (si >= 0 && (use < 0 || s->snaps[si].icount > best)) {
		use = 1;
		best = s->snaps[si].icount;
	}
	/* A keyframe comes after the events recorded at its icount: good for
	 * any later target only. */
	for (size_t i = 0; i < s->nkeys && s->keys[i].icount < target; i++)
		if (s->keys[i].icount > 0 && (use < 0 || s->keys[i].icount > best))
			k = &s->keys[i];
	if (k && (use < 0 || k->icount > best)) {
		use = 2;
		best = k->icount;
	}
	if (use < 0) {
		snprintf(note, notelen, "no restore point before icount %" PRIu64, target);
		return -1;
	}
	if (use == 1) {
		const struct snap_point *p = &s->snaps[si];
		r->dl_icount = p->dl_icount;
		r->dl_n = p->dl_n;
		if (machine_snapshot_load(r->m, p->buf, p->len, e, sizeof(e)) ||
		    runner_seek_event(r, p->icount, p->next_event)) {
			snprintf(note, notelen, "restoring the snapshot at icount %" PRIu64 ": %s",
				 p->icount, r->err[0] ? r->err : e);
			return -1;
		}
		r->chains = p->chains;
		r->checkpoints = p->checkpoints;
		r->last_good = p->last_good;
		r->obs.last_out_port = p->out_port;
		r->obs.last_out_value = p->out_value;
		r->obs.events = p->obs_events;
		session_next_snap(s, 1);
	} else if (use == 2) {
		uint8_t *snap = NULL;
		r->dl_n = 0;    /* a keyframe comes before any delivery at its icount */
		if (keyframes_read(s->kpath, k, &snap, e, sizeof(e)) ||
		    machine_snapshot_load(r->m, snap, (size_t)k->len, e, sizeof(e)) ||
		    runner_seek_event(r, k->icount, k->events_stored)) {
			snprintf(note, notelen, "%s: %s", s->kpath, r->err[0] ? r->err : e);
			free(snap);
			return -1;
		}
		free(snap);
		r->chains = k->chains;
		r->obs.last_out_port = 0;
		r->obs.events = k->events_seen;
		/* The checkpoints before it keep their numbers; they are not
		 * verified by this jump (replay_session_summary). */
		r->checkpoints = s->key_cps[k - s->keys];
		r->last_good = k->icount;
		session_next_snap(s, 0);
	}
	while (replay_runner_icount(r) < target) {
		struct machine_until u = { UNTIL_ICOUNT, target };
		char n2[1024];
		enum machine_stop why;
		if (s->interrupt) {
			/* Stopped between two instructions, the events recorded here
			 * not yet handled: the state any stop at this icount shows. */
			size_t l = strlen(note);
			snprintf(note + l, notelen - l, "%sinterrupted at icount %" PRIu64 " on the way "
				 "to icount %" PRIu64, l ? "; " : "", replay_runner_icount(r), target);
			return 1;
		}
		why = replay_session_run(s, &u, n2, sizeof(n2));
		if (replay_runner_icount(r) >= target)
			break;
		if (s->interrupt && !n2[0])
			continue;
		if (n2[0] && s->diverged && !strncmp(n2, "replay diverged", 15)) {
			snprintf(note, notelen, "%s", n2);
			continue;
		}
		snprintf(note, notelen, "the replay stopped at icount %" PRIu64 " before reaching %"
			 PRIu64 ": %s", replay_runner_icount(r), target, n2[0] ? n2 : machine_stop_name(why));
		return -1;
	}
	return 0;
}

void replay_session_interrupt(struct replay_session *s)
{
	s->interrupt = 1;
	machine_request_stop(s->r.m, 0);
}

void replay_session_clear_interrupt(struct replay_session *s) { s->interrupt = 0; }

int replay_session_interrupted(const struct replay_session *s) { return s->interrupt != 0; }

uint64_t replay_session_prev_point(const struct replay_session *s, uint64_t icount)
{
	uint64_t best = 0;

	for (size_t i = 0; i < s->nsnaps; i++)
		if (s->snaps[i].icount < icount && s->snaps[i].icount > best)
			best = s->snaps[i].icount;
	for (size_t i = 0; i < s->nkeys; i++)
		if (s->keys[i].icount < icount && s->keys[i].icount > best)
			best = s->keys[i].icount;
	return best;
}

int replay_session_summary(const struct replay_session *s, char *buf, size_t len)
{
	uint64_t skipped = s->verified_top - s->verified;
	int n;

	if (s->diverged) {
		snprintf(buf, len, "%s", s->divmsg);
	} else if (!s->verify) {
		snprintf(buf, len, "checkpoints not verified (--no-verify)");
	} else {
		n = snprintf(buf, len, "verified %" PRIu64 " checkpoint%s, up to icount %" PRIu64,
			     s->verified, s->verified == 1 ? "" : "s", s->verified_upto);
		if (skipped && n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " (not the %" PRIu64 " before it that a "
				 "keyframe jump passed over)", skipped);
	}
	return s->diverged;
}
