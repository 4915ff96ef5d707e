/*
 * replay/replayer.c: replaying and verifying a trace (replay/replayer.h).
 * A runner is one machine rebuilt from the trace plus a reader positioned at
 * the next INPUT or CHECKPOINT event; it advances the machine in slices that
 * end exactly at those events. The main pass verifies checkpoints; on a
 * divergence two fresh runners re-execute up to the last good checkpoint
 * and then step one instruction at a time, comparing state hashes.
 */
#include "replay/replayer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "machine/info.h"
#include "machine/state.h"
#include "mem/firmware.h"
#include "replay/bytebuf.h"
#include "replay/chain.h"
#include "replay/keyframes.h"
#include "replay/observer.h"
#include "replay/trace_config.h"
#include "replay/trace_reader.h"

void replay_options_init(struct replay_options *o)
{
	memset(o, 0, sizeof(*o));
	o->verify = 1;
	o->use_keyframes = 1;
	o->until.kind = UNTIL_NONE;
}

struct runner {
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
	uint64_t next_event;         /* number of the first event not yet consumed */
	int skip_monitor_writes;     /* test hook (replay_options) */
	uint64_t checkpoints;        /* CHECKPOINT events consumed */
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

enum { ADV_REACHED, ADV_END, ADV_STOPPED, ADV_UNTIL, ADV_ERROR };

static void on_event(void *opaque, const struct trace_event *ev)
{
	struct runner *r = opaque;
	if (ev->kind != TRACE_EV_CHECKPOINT)
		trace_chains_feed_event(&r->chains, ev, &r->scratch);
}

static void runner_free(struct runner *r)
{
	if (r->m)
		observer_detach(&r->obs);
	machine_free(r->m);
	trace_reader_close(r->rd);
	trace_config_free(&r->tc);
	bytebuf_free(&r->scratch);
	free(r->pending_data);
	memset(r, 0, sizeof(*r));
}

/* A BIOS recorded by path may have moved: fall back to the search path. */
/* Open the trace, rebuild and check the machine, and position at start_icount
 * (a keyframe at or before it when allowed), or at power-on. */
static int runner_open(struct runner *r, const char *path, const struct replay_options *o,
		       uint64_t start_icount, int use_keyframes, const char *serial,
		       const char *debugcon)
{
	const struct trace_header *h;
	struct machine_options mo;
	struct trace_blob *have = NULL;
	char e[900];
	int nhave;

	memset(r, 0, sizeof(*r));
	r->path = path;
	bytebuf_init(&r->scratch);
	trace_chains_init(&r->chains);
	if (trace_reader_open(&r->rd, path, TRACE_READ_STRICT, e, sizeof(e))) {
		snprintf(r->err, sizeof(r->err), "%s: %s", path, e);
		return -1;
	}
	h = trace_reader_header(r->rd);
	if (trace_config_parse(&r->tc, h->config, h->rtc_start, e, sizeof(e))) {
		snprintf(r->err, sizeof(r->err), "%s: %s", path, e);
		return -1;
	}
	r->tc.cfg.serial = serial ? serial : "none";
	r->tc.cfg.debugcon = debugcon ? debugcon : "none";
	trace_config_locate(&r->tc);
	memset(&mo, 0, sizeof(mo));
	r->m = machine_new(&r->tc.cfg, &mo, e, sizeof(e));
	if (!r->m) {
		snprintf(r->err, sizeof(r->err), "%s: cannot rebuild the recorded machine: %s", path, e);
		return -1;
	}
	nhave = trace_blobs_collect(r->m, &r->tc.cfg, &have, e, sizeof(e));
	r->tc.cfg.bios = NULL;   /* the machine copied what it needed */
	if (nhave < 0 || trace_blobs_check(h->blobs, h->nblobs, have, nhave, e, sizeof(e))) {
		snprintf(r->err, sizeof(r->err), "%s: %s", path, e);
		trace_blobs_free(have, nhave < 0 ? 0 : nhave);
		return -1;
	}
	trace_blobs_free(have, nhave);
	if (observer_attach(&r->obs, r->m, on_event, r)) {
		snprintf(r->err, sizeof(r->err), "no free machine hook slot");
		return -1;
	}
	/* An older trace is re-run as its format defines the events. */
	observer_set_format(&r->obs, h->format_version);
	if (o) {
		r->perturb = o->perturb;
		r->perturb_opaque = o->perturb_opaque;
		r->perturb_icount = o->perturb_icount;
		r->skip_monitor_writes = o->skip_monitor_writes;
	}
	if (start_icount && use_keyframes) {
		char kpath[4096];
		struct keyframe *ks = NULL;
		size_t nk = 0;
		int missing;
		snprintf(kpath, sizeof(kpath), "%s%s", path, KEYFRAMES_SUFFIX);
		if (keyframes_index(kpath, &ks, &nk, &missing, e, sizeof(e)) == 0) {
			const struct keyframe *k = keyframes_find(ks, nk, start_icount);
			uint8_t *snap = NULL;
			if (k && k->icount > 0) {
				if (keyframes_read(kpath, k, &snap, e, sizeof(e)) ||
				    machine_snapshot_load(r->m, snap, (size_t)k->len, e, sizeof(e))) {
					snprintf(r->err, sizeof(r->err), "%s: %s", kpath, e);
					free(snap);
					free(ks);
					return -1;
				}
				free(snap);
				r->chains = k->chains;
				trace_reader_seek_icount(r->rd, k->icount);
				/* Skip what was stored before the snapshot (same icount included). */
				for (;;) {
					struct trace_event ev;
					int n;
					uint64_t num;
					if (trace_reader_nframes(r->rd) == 0)
						break;
					n = trace_reader_next(r->rd, &ev);
					if (n <= 0)
						break;
					num = trace_reader_event_number(r->rd);
					if (num + 1 > k->events_stored) {
						/* This one is after the keyframe: keep it. */
						r->have_pending = ev.kind == TRACE_EV_INPUT ||
								  ev.kind == TRACE_EV_CHECKPOINT;
						if (r->have_pending) {
							r->pending = ev;
							if (ev.kind == TRACE_EV_INPUT) {
								r->pending_data = malloc(ev.u.input.len + 1);
								if (r->pending_data)
									memcpy(r->pending_data, ev.u.input.data,
									       ev.u.input.len);
								r->pending.u.input.data = r->pending_data;
							}
						}
						break;
					}
				}
				free(ks);
				return 0;
			}
			free(ks);
		} else if (!missing) {
			snprintf(r->err, sizeof(r->err), "%s", e);
			return -1;
		}
	}
	observer_emit_power_on(&r->obs);
	return 0;
}

/* Read the next INPUT or CHECKPOINT into pending; 0 ok, -1 error. */
static int runner_fetch(struct runner *r)
{
	struct trace_event ev;

	while (!r->have_pending && !r->eof) {
		int n = trace_reader_next(r->rd, &ev);
		if (n < 0) {
			snprintf(r->err, sizeof(r->err), "%s: %s", r->path, trace_reader_error(r->rd));
			return -1;
		}
		if (n == 0) {
			r->eof = 1;
			break;
		}
		r->next_event = trace_reader_event_number(r->rd) + 1;
		if (ev.kind != TRACE_EV_INPUT && ev.kind != TRACE_EV_CHECKPOINT)
			continue;
		r->pending_num = r->next_event - 1;
		r->pending = ev;
		if (ev.kind == TRACE_EV_INPUT) {
			uint8_t *d = realloc(r->pending_data, ev.u.input.len + 1);
			if (!d) {
				snprintf(r->err, sizeof(r->err), "out of memory");
				return -1;
			}
			memcpy(d, ev.u.input.data, ev.u.input.len);
			r->pending_data = d;
			r->pending.u.input.data = d;
		}
		r->have_pending = 1;
	}
	return 0;
}

static uint64_t icount_of(struct runner *r)
{
	return cpu_icount(machine_cpu(r->m));
}

/* Run the machine to exactly target (or a stop), applying the perturbation. */
static int runner_run_to(struct runner *r, uint64_t target, const struct machine_until *until)
{
	while (icount_of(r) < target) {
		uint64_t bound = target;
		enum machine_stop why;
		int at;
		if (r->perturb && !r->perturbed && r->perturb_icount >= icount_of(r) &&
		    r->perturb_icount < bound)
			bound = r->perturb_icount;
		if (r->perturb && !r->perturbed && icount_of(r) == r->perturb_icount) {
			r->perturb(r->perturb_opaque, r->m);
			r->perturbed = 1;
			continue;
		}
		why = machine_run_slice(r->m, until, bound, &at);
		if (!at) {
			r->stop = why;
			r->stopped = 1;
			if (why == MACHINE_STOP_UNTIL && until && until->kind != UNTIL_NONE) {
				r->until_hit = 1;
				return ADV_UNTIL;
			}
			if (icount_of(r) < target)
				return ADV_STOPPED;
		}
	}
	if (r->perturb && !r->perturbed && icount_of(r) == r->perturb_icount) {
		r->perturb(r->perturb_opaque, r->m);
		r->perturbed = 1;
	}
	return ADV_REACHED;
}

_Static_assert(CPU_EAX == 0 && CPU_EIP == 8 && CPU_CR0 == 10 && CPU_DR7 == 19 &&
	       CPU_NREGS == REPLAY_MONREG_NGENERAL, "monitor register numbers are a trace format");
_Static_assert(CPU_ES == 0 && CPU_CS == 1 && CPU_SS == 2 && CPU_DS == 3 && CPU_GS == 5,
	       "monitor segment numbers are a trace format");

int replay_apply_monitor_input(struct machine *m, int kind, uint64_t addr, const uint8_t *data,
			       uint32_t len, char *err, size_t errlen)
{
	struct cpu *cpu = machine_cpu(m);

	if (kind == TRACE_INPUT_MONITOR_MEM) {
		if (addr >= 0x100000000ull || len > 0x100000000ull - addr ||
		    machine_debug_write_phys(m, addr, data, len)) {
			snprintf(err, errlen, "phys 0x%08llx: not plain memory (device or unmapped); "
				 "not written", (unsigned long long)addr);
			return -1;
		}
		return 0;
	}
	if (kind != TRACE_INPUT_MONITOR_REG) {
		snprintf(err, errlen, "not a monitor write");
		return -1;
	}
	if (addr < REPLAY_MONREG_NGENERAL && len == 4) {
		cpu_set_reg(cpu, (enum cpu_reg)addr, le_get32(data));
	} else if (addr >= REPLAY_MONREG_SEG && addr <= REPLAY_MONREG_SEG + CPU_GS && len == 2) {
		struct cpu_segment seg;
		uint16_t sel = (uint16_t)(data[0] | data[1] << 8);
		uint32_t base;
		if (machine_debug_selector_base(m, sel, &base)) {
			snprintf(err, errlen, "selector 0x%04x is outside the descriptor table", sel);
			return -1;
		}
		cpu_get_seg(cpu, (enum cpu_seg)(addr - REPLAY_MONREG_SEG), &seg);
		seg.selector = sel;
		seg.base = base;
		cpu_set_seg(cpu, (enum cpu_seg)(addr - REPLAY_MONREG_SEG), &seg);
	} else if (addr == REPLAY_MONREG_RESET && len == 0) {
		machine_system_reset(m, MACHINE_RESET_MONITOR);
		return 0;
	} else {
		snprintf(err, errlen, "bad monitor register write (register 0x%llx, %u bytes)",
			 (unsigned long long)addr, len);
		return -1;
	}
	cpu_flush_caches(cpu);
	return 0;
}

/* Inject a recorded INPUT event: device input through the observer, monitor
 * writes chained here and applied as the recording applied them. */
static void runner_inject(struct runner *r, const struct trace_event *ev)
{
	struct trace_event e = *ev;
	char err[160];

	if (ev->u.input.kind == TRACE_INPUT_SERIAL || ev->u.input.kind == TRACE_INPUT_KEY) {
		observer_inject_input(&r->obs, ev->u.input.kind, ev->u.input.data, ev->u.input.len);
		return;
	}
	e.icount = icount_of(r);
	observer_emit(&r->obs, &e);
	if (!r->skip_monitor_writes)
		replay_apply_monitor_input(r->m, ev->u.input.kind, ev->u.input.addr, ev->u.input.data,
					   ev->u.input.len, err, sizeof(err));
}

/* Checkpoint check: returns a mask of what differs (0: equal). */
static unsigned checkpoint_compare(struct runner *r, const struct trace_event *cp)
{
	struct machine_hashes h;
	unsigned mask = 0;

	machine_hash_state(r->m, &h);
	if (h.cpu != cp->u.checkpoint.cpu_hash)
		mask |= 1;
	if (h.ram != cp->u.checkpoint.ram_hash)
		mask |= 2;
	if (h.dev != cp->u.checkpoint.dev_hash)
		mask |= 4;
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		if (r->chains.h[i] != cp->u.checkpoint.chains[i])
			mask |= 8;
	return mask;
}

/*
 * Advance to limit, handling every event at or before it (events at limit
 * included). verify: compare checkpoints; on a mismatch return ADV_ERROR with
 * *mask set and the checkpoint left in r->pending (have_pending cleared).
 */
static int runner_advance(struct runner *r, uint64_t limit, const struct machine_until *until,
			  int verify, unsigned *mask)
{
	for (;;) {
		uint64_t target;
		int a;

		if (runner_fetch(r))
			return ADV_ERROR;
		if (!r->have_pending) {
			if (limit == UINT64_MAX)
				return ADV_END;
			target = limit;
		} else {
			target = r->pending.icount < limit ? r->pending.icount : limit;
		}
		a = runner_run_to(r, target, until);
		if (a != ADV_REACHED)
			return a;
		if (!r->have_pending || r->pending.icount > limit)
			return ADV_REACHED;
		/* At the pending event's icount. */
		r->have_pending = 0;
		if (r->pending.kind == TRACE_EV_INPUT) {
			runner_inject(r, &r->pending);
		} else {
			r->checkpoints++;
			if (verify) {
				*mask = checkpoint_compare(r, &r->pending);
				if (*mask)
					return ADV_ERROR;
				r->last_good = r->pending.icount;
			}
		}
	}
}

/* Step two runners in lockstep from their (equal) state to end, comparing
 * hashes after every instruction. Returns 1 with the first differing icount
 * in *at, 0 when they never differ, -1 on an error. */
static int pin_step(struct runner *a, struct runner *b, uint64_t end, uint64_t *at)
{
	uint64_t ic = icount_of(a);
	struct machine_hashes ha, hb;
	unsigned dummy;

	machine_hash_state(a->m, &ha);
	machine_hash_state(b->m, &hb);
	if (memcmp(&ha, &hb, sizeof(ha))) {
		*at = ic;
		return 1;
	}
	while (ic < end) {
		int ra = runner_advance(a, ic + 1, NULL, 0, &dummy);
		int rb = runner_advance(b, ic + 1, NULL, 0, &dummy);
		if (ra == ADV_ERROR || rb == ADV_ERROR)
			return -1;
		if (icount_of(a) != icount_of(b)) {
			*at = ic + 1;
			return 1;
		}
		if (ra != ADV_REACHED || rb != ADV_REACHED) {
			/* One of them stopped (exit, dead): compare as is. */
			machine_hash_state(a->m, &ha);
			machine_hash_state(b->m, &hb);
			if (memcmp(&ha, &hb, sizeof(ha)) || ra != rb) {
				*at = icount_of(a);
				return 1;
			}
			return 0;
		}
		ic = icount_of(a);
		machine_hash_state(a->m, &ha);
		machine_hash_state(b->m, &hb);
		if (memcmp(&ha, &hb, sizeof(ha))) {
			*at = ic;
			return 1;
		}
	}
	return 0;
}

static void describe_mask(unsigned mask, char *buf, size_t len)
{
	static const char *const names[] = { "cpu", "ram", "dev", "chains", "stopped-early" };
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < 5; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
					      names[i]);
}

/* Re-execute (good, div] twice to pin the first divergent instruction. */
static void pin_divergence(const char *path, const struct replay_options *o,
			   struct replay_result *res)
{
	struct runner a, b;
	struct replay_options clean;
	unsigned dummy;
	uint64_t at;
	int r;

	clean = *o;
	clean.perturb = NULL;
	if (runner_open(&a, path, o, res->good_icount, o->use_keyframes, NULL, NULL) ||
	    runner_open(&b, path, &clean, res->good_icount, o->use_keyframes, NULL, NULL))
		goto out;
	if (runner_advance(&a, res->good_icount, NULL, 0, &dummy) != ADV_REACHED ||
	    runner_advance(&b, res->good_icount, NULL, 0, &dummy) != ADV_REACHED)
		goto out;
	r = pin_step(&a, &b, res->div_icount, &at);
	if (r == 1) {
		struct cpu_segment cs;
		res->pinned = 1;
		res->pin_icount = at;
		cpu_get_seg(machine_cpu(a.m), CPU_CS, &cs);
		res->pin_cs = cs.selector;
		res->pin_eip = cpu_get_reg(machine_cpu(a.m), CPU_EIP);
	}
out:
	runner_free(&a);
	runner_free(&b);
}

int replay_trace(const char *path, const struct replay_options *o, struct replay_result *res)
{
	struct replay_options defaults;
	struct runner r;
	uint64_t start = 0, limit = UINT64_MAX;
	unsigned mask = 0;
	int a;

	if (!o) {
		replay_options_init(&defaults);
		o = &defaults;
	}
	memset(res, 0, sizeof(*res));
	if (o->until.kind == UNTIL_ICOUNT) {
		start = o->until.value;
		limit = o->until.value;
	}
	if (runner_open(&r, path, o, start, o->use_keyframes, o->serial, o->debugcon)) {
		snprintf(res->message, sizeof(res->message), "%s", r.err);
		runner_free(&r);
		return res->status = 2;
	}
	res->start_icount = icount_of(&r);
	res->good_icount = res->start_icount;
	r.last_good = res->start_icount;
	a = runner_advance(&r, limit, o->until.kind == UNTIL_ICOUNT ? NULL : &o->until, o->verify,
			   &mask);
	res->checkpoints = r.checkpoints - (a == ADV_ERROR && mask ? 1 : 0);
	res->final_icount = icount_of(&r);
	res->stop = r.stop;
	res->stopped = r.stopped;
	if (a == ADV_ERROR && !mask) {
		snprintf(res->message, sizeof(res->message), "%s", r.err);
		runner_free(&r);
		return res->status = 2;
	}
	if (a == ADV_STOPPED && o->verify && r.have_pending) {
		/* The machine stopped before the next recorded event. */
		mask = 16;
		a = ADV_ERROR;
		r.checkpoints++;
	}
	if (a == ADV_ERROR) {
		char what[64];
		res->diverged = 1;
		res->div_mask = mask;
		res->div_checkpoint = r.checkpoints - 1;
		res->div_icount = r.pending.icount;
		res->good_icount = r.last_good;
		runner_free(&r);
		if (o->verify && !(mask & 16))
			pin_divergence(path, o, res);
		describe_mask(mask, what, sizeof(what));
		if (res->pinned)
			snprintf(res->message, sizeof(res->message),
				 "diverged at checkpoint %" PRIu64 " (icount %" PRIu64 "; differs: %s); "
				 "last good checkpoint at icount %" PRIu64 "; first divergent state at "
				 "icount %" PRIu64 ", before the instruction at %04x:%08x",
				 res->div_checkpoint, res->div_icount, what, res->good_icount,
				 res->pin_icount, res->pin_cs, res->pin_eip);
		else
			snprintf(res->message, sizeof(res->message),
				 "diverged at checkpoint %" PRIu64 " (icount %" PRIu64 "; differs: %s); "
				 "last good checkpoint at icount %" PRIu64 "; re-execution is "
				 "deterministic here, so the difference lies between the recording and "
				 "this lockstep, within (%" PRIu64 ", %" PRIu64 "]",
				 res->div_checkpoint, res->div_icount, what, res->good_icount,
				 res->good_icount, res->div_icount);
		return res->status = 1;
	}
	if (a == ADV_UNTIL || (a == ADV_REACHED && limit != UINT64_MAX)) {
		snprintf(res->message, sizeof(res->message),
			 "reached --until at icount %" PRIu64 " (%" PRIu64 " checkpoints verified)",
			 res->final_icount, res->checkpoints);
		res->status = 0;
	} else {
		snprintf(res->message, sizeof(res->message),
			 "%s %" PRIu64 " checkpoints; replay ended at icount %" PRIu64,
			 o->verify ? "verified" : "replayed (not verified)", res->checkpoints,
			 res->final_icount);
		res->status = 0;
		if (r.stopped && r.stop == MACHINE_STOP_EXIT)
			res->status = machine_exit_value(r.m);
		else if (r.stopped && (r.stop == MACHINE_STOP_DEAD || r.stop == MACHINE_STOP_CAP ||
				       r.stop == MACHINE_STOP_RESET_LOOP))
			res->status = 3;
	}
	machine_flush_output(r.m);
	runner_free(&r);
	return res->status;
}

/* ---- interactive sessions (replay --monitor) ---- */

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
};

#define SESSION_MAX_SNAPS 512

struct replay_session {
	struct runner r;
	char *path, *kpath;
	int verify;
	uint64_t end_icount;
	struct keyframe *keys;
	size_t nkeys;
	struct snap_point *snaps;
	size_t nsnaps;
	uint64_t snap_every, next_snap, snap_bytes, budget;
	int diverged;
	char divmsg[1024];
	uint64_t verified, verified_upto;   /* the furthest checkpoint verified */
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
	runner_free(&s->r);
	snap_free_all(s);
	free(s->keys);
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
	struct runner *r = &s->r;
	struct snap_point p, *v;
	uint64_t ic = icount_of(r);
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
static int runner_seek_event(struct runner *r, uint64_t icount, uint64_t evnum)
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
	uint64_t ic = icount_of(&s->r);
	s->next_snap = (ic + s->snap_every - (exact ? 1 : 0)) / s->snap_every * s->snap_every;
	if (!exact && s->next_snap == ic)
		s->next_snap += s->snap_every;
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
	if (runner_open(&s->r, s->path, o, 0, 0, o->serial, o->debugcon)) {
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
	}
	if (runner_fetch(&s->r)) {
		snprintf(err, errlen, "%s", s->r.err);
		replay_session_free(s);
		return NULL;
	}
	snap_take(s);
	session_next_snap(s, 0);
	return s;
}

/* A divergence at the checkpoint in r->pending. */
static void session_diverged(struct replay_session *s, unsigned mask, char *note, size_t notelen)
{
	char what[64];

	describe_mask(mask, what, sizeof(what));
	s->diverged = 1;
	s->verify = 0;
	snprintf(s->divmsg, sizeof(s->divmsg),
		 "replay diverged at checkpoint %" PRIu64 " (icount %" PRIu64 "; differs: %s); last "
		 "good checkpoint at icount %" PRIu64, s->r.checkpoints - 1, s->r.pending.icount, what,
		 s->r.last_good);
	snprintf(note, notelen, "%s; checkpoints are no longer verified", s->divmsg);
}

enum machine_stop replay_session_run(struct replay_session *s, const struct machine_until *until,
				     char *note, size_t notelen)
{
	struct runner *r = &s->r;

	note[0] = 0;
	for (;;) {
		uint64_t ic = icount_of(r), bound;
		enum machine_stop why;
		int at;

		if (until && until->kind == UNTIL_ICOUNT && ic >= until->value)
			return MACHINE_STOP_UNTIL;
		if (runner_fetch(r)) {
			snprintf(note, notelen, "%s", r->err);
			return MACHINE_STOP_REQUEST;
		}
		if (ic >= s->next_snap) {
			if (ic == s->next_snap)
				snap_take(s);
			session_next_snap(s, 0);
		}
		/* The events recorded at this icount, in trace order. */
		while (r->have_pending && r->pending.icount <= ic) {
			r->have_pending = 0;
			r->next_event = r->pending_num + 1;
			if (r->pending.kind == TRACE_EV_INPUT) {
				runner_inject(r, &r->pending);
			} else {
				r->checkpoints++;
				if (s->verify) {
					unsigned mask = checkpoint_compare(r, &r->pending);
					if (mask) {
						session_diverged(s, mask, note, notelen);
						return MACHINE_STOP_REQUEST;
					}
					r->last_good = r->pending.icount;
					if (r->last_good >= s->verified_upto) {
						s->verified_upto = r->last_good;
						s->verified = r->checkpoints;
					}
				}
			}
			if (runner_fetch(r)) {
				snprintf(note, notelen, "%s", r->err);
				return MACHINE_STOP_REQUEST;
			}
		}
		if (!r->have_pending) {
			snprintf(note, notelen, "end of the trace at icount %" PRIu64
				 " (the recording ended here)", ic);
			return MACHINE_STOP_REQUEST;
		}
		bound = r->pending.icount < s->next_snap ? r->pending.icount : s->next_snap;
		why = machine_run_slice(r->m, until, bound, &at);
		if (!at)
			return why;
	}
}

int replay_session_seek(struct replay_session *s, uint64_t target, char *note, size_t notelen)
{
	struct runner *r = &s->r;
	uint64_t ic = icount_of(r), best = 0;
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
		/* Checkpoints before it are not counted again. */
		r->last_good = k->icount;
		session_next_snap(s, 0);
	}
	while (icount_of(r) < target) {
		struct machine_until u = { UNTIL_ICOUNT, target };
		char n2[1024];
		enum machine_stop why = replay_session_run(s, &u, n2, sizeof(n2));
		if (icount_of(r) >= target)
			break;
		if (n2[0] && s->diverged && !strncmp(n2, "replay diverged", 15)) {
			snprintf(note, notelen, "%s", n2);
			continue;
		}
		snprintf(note, notelen, "the replay stopped at icount %" PRIu64 " before reaching %"
			 PRIu64 ": %s", icount_of(r), target, n2[0] ? n2 : machine_stop_name(why));
		return -1;
	}
	return 0;
}

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
	if (s->diverged)
		snprintf(buf, len, "%s", s->divmsg);
	else if (s->verify)
		snprintf(buf, len, "verified %" PRIu64 " checkpoint%s, up to icount %" PRIu64,
			 s->verified, s->verified == 1 ? "" : "s", s->verified_upto);
	else
		snprintf(buf, len, "checkpoints not verified (--no-verify)");
	return s->diverged;
}
