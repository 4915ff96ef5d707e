/*
 * replay/replayer.c: replaying and verifying a trace (replay/replayer.h)
 * and the runner it shares with the interactive session (replay/session.c,
 * replay/replayer_internal.h). A runner advances its machine in slices that
 * end exactly at the trace's INPUT and CHECKPOINT events. The main pass
 * verifies checkpoints; on a divergence two fresh runners re-execute up to
 * the last good checkpoint and then step one instruction at a time,
 * comparing state hashes.
 */
#include "replay/replayer.h"
#include "replay/replayer_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "machine/info.h"
#include "machine/state.h"
#include "mem/firmware.h"
#include "replay/keyframes.h"

void replay_options_init(struct replay_options *o)
{
	memset(o, 0, sizeof(*o));
	o->verify = 1;
	o->use_keyframes = 1;
	o->until.kind = UNTIL_NONE;
}

enum { ADV_REACHED, ADV_END, ADV_STOPPED, ADV_UNTIL, ADV_ERROR };

static void on_event(void *opaque, const struct trace_event *ev)
{
	struct replay_runner *r = opaque;
	if (ev->kind != TRACE_EV_CHECKPOINT)
		trace_chains_feed_event(&r->chains, ev, &r->scratch);
	/* runner_deliver(): stop at the handler's first instruction, as the
	 * recording's stop on that delivery did. */
	if (ev->kind == TRACE_EV_INTERRUPT && r->deliver_left && --r->deliver_left == 0)
		machine_request_stop(r->m, 0);
}

void replay_runner_note_read(struct replay_runner *r, const struct trace_event *ev)
{
	if (ev->kind == TRACE_EV_INTERRUPT) {
		if (r->dl_n && r->dl_icount == ev->icount) {
			r->dl_n++;
		} else {
			r->dl_icount = ev->icount;
			r->dl_n = 1;
		}
	} else if (ev->kind == TRACE_EV_INPUT || ev->kind == TRACE_EV_CHECKPOINT) {
		r->pending_deliveries = r->dl_n && r->dl_icount == ev->icount ? r->dl_n : 0;
		r->dl_n = 0;
	}
}

void replay_runner_free(struct replay_runner *r)
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

/* A BIOS recorded by path may have moved: trace_config_locate falls back to
 * the search path. */
int replay_runner_open(struct replay_runner *r, const char *path, const struct replay_options *o,
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
				/* Skip what was stored before the snapshot (same icount
				 * included), counting its checkpoints so that they keep
				 * their numbers. */
				for (;;) {
					struct trace_event ev;
					int n;
					uint64_t num;
					if (trace_reader_nframes(r->rd) == 0)
						break;
					n = trace_reader_next(r->rd, &ev);
					if (n < 0) {
						snprintf(r->err, sizeof(r->err), "%s: %s", path,
							 trace_reader_error(r->rd));
						free(ks);
						return -1;
					}
					if (n == 0)
						break;
					num = trace_reader_event_number(r->rd);
					r->next_event = num + 1;
					if (num + 1 <= k->events_stored) {
						r->skipped_checkpoints += ev.kind == TRACE_EV_CHECKPOINT;
						continue;
					}
					replay_runner_note_read(r, &ev);
					/* This one is after the keyframe: keep it. */
					r->have_pending = ev.kind == TRACE_EV_INPUT ||
							  ev.kind == TRACE_EV_CHECKPOINT;
					r->pending_num = num;
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
				r->checkpoints = r->skipped_checkpoints;
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
int replay_runner_fetch(struct replay_runner *r)
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
		replay_runner_note_read(r, &ev);
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

uint64_t replay_runner_icount(struct replay_runner *r)
{
	return cpu_icount(machine_cpu(r->m));
}

/* Run the machine to exactly target (or a stop), applying the perturbation. */
static int runner_run_to(struct replay_runner *r, uint64_t target, const struct machine_until *until)
{
	while (replay_runner_icount(r) < target) {
		uint64_t bound = target;
		enum machine_stop why;
		int at;
		if (r->perturb && !r->perturbed && r->perturb_icount >= replay_runner_icount(r) &&
		    r->perturb_icount < bound)
			bound = r->perturb_icount;
		if (r->perturb && !r->perturbed && replay_runner_icount(r) == r->perturb_icount) {
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
			if (replay_runner_icount(r) < target)
				return ADV_STOPPED;
		}
	}
	if (r->perturb && !r->perturbed && replay_runner_icount(r) == r->perturb_icount) {
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
 * writes and idle time chained here and applied as the recording applied
 * them. */
int replay_runner_inject(struct replay_runner *r, const struct trace_event *ev)
{
	struct trace_event e = *ev;
	char err[160];

	if (ev->u.input.kind == TRACE_INPUT_SERIAL || ev->u.input.kind == TRACE_INPUT_KEY) {
		observer_inject_input(&r->obs, ev->u.input.kind, ev->u.input.data, ev->u.input.len);
		return 0;
	}
	e.icount = replay_runner_icount(r);
	observer_emit(&r->obs, &e);
	if (ev->u.input.kind == TRACE_INPUT_IDLE) {
		if (machine_idle_until(r->m, ev->u.input.addr, err, sizeof(err))) {
			snprintf(r->err, sizeof(r->err), "the recording idled in HLT until cycle %"
				 PRIu64 " at icount %" PRIu64 ", which the replay cannot repeat: %s",
				 ev->u.input.addr, e.icount, err);
			return -1;
		}
		return 0;
	}
	if (!r->skip_monitor_writes)
		replay_apply_monitor_input(r->m, ev->u.input.kind, ev->u.input.addr, ev->u.input.data,
					   ev->u.input.len, err, sizeof(err));
	return 0;
}

/* Checkpoint check: returns a mask of what differs (0: equal). */
unsigned replay_checkpoint_compare(struct replay_runner *r, const struct trace_event *cp)
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

void replay_runner_deliver(struct replay_runner *r)
{
	uint64_t ic = replay_runner_icount(r);
	int at;

	r->deliver_left = r->pending_deliveries;
	r->pending_deliveries = 0;
	machine_run_slice(r->m, NULL, ic + 1, &at);
	r->deliver_left = 0;
}

/*
 * Advance to limit, handling every event at or before it (events at limit
 * included). verify: compare checkpoints; on a mismatch return ADV_ERROR with
 * *mask set and the checkpoint left in r->pending (have_pending cleared).
 */
static int runner_advance(struct replay_runner *r, uint64_t limit, const struct machine_until *until,
			  int verify, unsigned *mask)
{
	for (;;) {
		uint64_t target;
		int a;

		if (replay_runner_fetch(r))
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
		if (r->pending_deliveries)
			replay_runner_deliver(r);
		if (r->pending.kind == TRACE_EV_INPUT) {
			if (replay_runner_inject(r, &r->pending)) {
				*mask = REPLAY_MASK_IDLE;
				return ADV_ERROR;
			}
		} else {
			r->checkpoints++;
			if (verify) {
				*mask = replay_checkpoint_compare(r, &r->pending);
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
static int pin_step(struct replay_runner *a, struct replay_runner *b, uint64_t end, uint64_t *at)
{
	uint64_t ic = replay_runner_icount(a);
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
		if (replay_runner_icount(a) != replay_runner_icount(b)) {
			*at = ic + 1;
			return 1;
		}
		if (ra != ADV_REACHED || rb != ADV_REACHED) {
			/* One of them stopped (exit, dead): compare as is. */
			machine_hash_state(a->m, &ha);
			machine_hash_state(b->m, &hb);
			if (memcmp(&ha, &hb, sizeof(ha)) || ra != rb) {
				*at = replay_runner_icount(a);
				return 1;
			}
			return 0;
		}
		ic = replay_runner_icount(a);
		machine_hash_state(a->m, &ha);
		machine_hash_state(b->m, &hb);
		if (memcmp(&ha, &hb, sizeof(ha))) {
			*at = ic;
			return 1;
		}
	}
	return 0;
}

void replay_describe_mask(unsigned mask, char *buf, size_t len)
{
	static const char *const names[] = { "cpu", "ram", "dev", "chains", "stopped-early",
					     "idle" };
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < 6; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
					      names[i]);
}

/* Re-execute (good, div] twice to pin the first divergent instruction. */
static void pin_divergence(const char *path, const struct replay_options *o,
			   struct replay_result *res)
{
	struct replay_runner a, b;
	struct replay_options clean;
	unsigned dummy;
	uint64_t at;
	int r;

	clean = *o;
	clean.perturb = NULL;
	if (replay_runner_open(&a, path, o, res->good_icount, o->use_keyframes, NULL, NULL) ||
	    replay_runner_open(&b, path, &clean, res->good_icount, o->use_keyframes, NULL, NULL))
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
	replay_runner_free(&a);
	replay_runner_free(&b);
}

int replay_trace(const char *path, const struct replay_options *o, struct replay_result *res)
{
	struct replay_options defaults;
	struct replay_runner r;
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
	if (replay_runner_open(&r, path, o, start, o->use_keyframes, o->serial, o->debugcon)) {
		snprintf(res->message, sizeof(res->message), "%s", r.err);
		replay_runner_free(&r);
		return res->status = 2;
	}
	res->start_icount = replay_runner_icount(&r);
	res->skipped_checkpoints = r.skipped_checkpoints;
	res->good_icount = res->start_icount;
	r.last_good = res->start_icount;
	a = runner_advance(&r, limit, o->until.kind == UNTIL_ICOUNT ? NULL : &o->until, o->verify,
			   &mask);
	res->checkpoints = r.checkpoints - r.skipped_checkpoints -
			   (a == ADV_ERROR && (mask & 15) ? 1 : 0);
	res->final_icount = replay_runner_icount(&r);
	res->stop = r.stop;
	res->stopped = r.stopped;
	if (a == ADV_ERROR && !mask) {
		snprintf(res->message, sizeof(res->message), "%s", r.err);
		replay_runner_free(&r);
		return res->status = 2;
	}
	if (a == ADV_STOPPED && o->verify && r.have_pending) {
		/* The machine stopped before the next recorded event. */
		mask = REPLAY_MASK_STOPPED;
		a = ADV_ERROR;
		r.checkpoints++;
	}
	if (a == ADV_ERROR && (mask & REPLAY_MASK_IDLE)) {
		res->diverged = 1;
		res->div_mask = mask;
		res->div_checkpoint = r.checkpoints;
		res->div_icount = r.pending.icount;
		res->good_icount = r.last_good;
		snprintf(res->message, sizeof(res->message),
			 "diverged at icount %" PRIu64 ", before checkpoint %" PRIu64 ": %s; last good "
			 "checkpoint at icount %" PRIu64, res->div_icount, res->div_checkpoint, r.err,
			 res->good_icount);
		replay_runner_free(&r);
		return res->status = 1;
	}
	if (a == ADV_ERROR) {
		char what[64];
		res->diverged = 1;
		res->div_mask = mask;
		res->div_checkpoint = r.checkpoints - 1;
		res->div_icount = r.pending.icount;
		res->good_icount = r.last_good;
		replay_runner_free(&r);
		if (o->verify && !(mask & REPLAY_MASK_STOPPED))
			pin_divergence(path, o, res);
		replay_describe_mask(mask, what, sizeof(what));
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
		char from[80] = "";
		if (res->start_icount)
			snprintf(from, sizeof(from), " from the keyframe at icount %" PRIu64,
				 res->start_icount);
		snprintf(res->message, sizeof(res->message),
			 "reached --until at icount %" PRIu64 " (%" PRIu64 " checkpoints %s%s)",
			 res->final_icount, res->checkpoints, o->verify ? "verified" : "replayed",
			 from);
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
	replay_runner_free(&r);
	return res->status;
}
