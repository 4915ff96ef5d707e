/*
 * replay/recorder.c: recording a run into a .trace file (replay/recorder.h).
 * The run is cut into slices that end exactly at checkpoint, keyframe and
 * input icounts (machine_run_slice); at each boundary the recorder writes a
 * CHECKPOINT, then a keyframe, then injects due input, in that order, which
 * replay follows.
 */
#include "replay/recorder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "machine/state.h"
#include "replay/input_script.h"
#include "replay/keyframes.h"
#include "replay/observer.h"
#include "replay/trace_config.h"
#include "replay/trace_pipe.h"
#include "replay/trace_writer.h"

struct recorder {
	struct machine *m;
	struct trace_writer *w;
	struct observer obs;
	uint64_t every, next_cp;
	uint64_t snap_every, next_snap;
	FILE *keys;
	char *keys_path;
	struct input_script inputs;
	size_t next_input;
	int io_all, io_none;
	uint8_t io_ports[0x10000 / 8];
	/* Events reach the writer in batches, on a thread of their own where
	 * the host has a second CPU (replay/trace_pipe.h): writing each one as
	 * it happened, between guest instructions, evicted the interpreter from
	 * the host's caches. The pipe is synced before anything reads the
	 * writer (keyframes, the end). */
	struct trace_pipe *pipe;
	/* The header, written by begin_trace once the files among the blobs
	 * (disk images) are hashed: on the writer's thread, while the machine
	 * starts (the 1 MiB demo disk took 0.3 ms). */
	struct trace_header hdr;
	struct trace_blob *blobs;
	int nblobs, first_file;
	char *config;
	int error;
	char errmsg[300];
	/* A state replay reaches by itself at its icount: right after an
	 * instruction retired (a slice that ended at an icount), or the last
	 * idle input. A halted CPU found elsewhere may have idled past it. */
	uint64_t still_icount, still_cycles;
};

void recorder_options_init(struct recorder_options *o)
{
	memset(o, 0, sizeof(*o));
	o->checkpoint_every = RECORDER_DEFAULT_CHECKPOINT_EVERY;
}

/* Fill ports (NULL: just check). */
static int parse_io_list(const char *s, uint8_t *ports, int *all, int *none, char *err,
			 size_t errlen)
{
	const char *p = s;

	*all = *none = 0;
	if (!s || !strcmp(s, "all")) {
		*all = 1;
		return 0;
	}
	if (!strcmp(s, "none")) {
		*none = 1;
		return 0;
	}
	while (*p) {
		char *end;
		unsigned long lo, hi;
		errno = 0;
		lo = strtoul(p, &end, 0);
		if (end == p || errno || lo > 0xFFFF)
			goto bad;
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			hi = strtoul(p, &end, 0);
			if (end == p || errno || hi > 0xFFFF || hi < lo)
				goto bad;
			p = end;
		}
		if (ports)
			for (unsigned long k = lo; k <= hi; k++)
				ports[k / 8] |= (uint8_t)(1u << (k % 8));
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "--trace-io %s: expected all, none, or ports and LO-HI ranges "
		 "separated by commas (e.g. 0x80,0x3f8-0x3ff)", s);
	return -1;
}

int recorder_parse_trace_io(const char *s, char *err, size_t errlen)
{
	int all, none;
	return parse_io_list(s, NULL, &all, &none, err, errlen);
}

static int store_filter(void *opaque, const struct trace_event *ev)
{
	const struct recorder *r = opaque;

	if (ev->kind != TRACE_EV_IO || r->io_all)
		return 1;
	if (r->io_none || ev->u.io.mmio)
		return 0;
	return (r->io_ports[ev->u.io.addr / 8] >> (ev->u.io.addr % 8)) & 1;
}

static void fail(struct recorder *r, const char *msg)
{
	if (r->error)
		return;
	r->error = 1;
	snprintf(r->errmsg, sizeof(r->errmsg), "%s", msg);
	machine_request_stop(r->m, 0);
}

/* Everything queued written, and its error known. */
static void drain(struct recorder *r)
{
	if (!r->error && trace_pipe_sync(r->pipe))
		fail(r, trace_writer_error(r->w));
}

static void on_event(void *opaque, const struct trace_event *ev)
{
	struct recorder *r = opaque;

	if (!r->error && trace_pipe_put(r->pipe, ev))
		fail(r, trace_writer_error(r->w));
}

static void write_checkpoint(struct recorder *r)
{
	struct machine_hashes h;
	struct trace_event ev = { .kind = TRACE_EV_CHECKPOINT };

	machine_hash_state(r->m, &h);
	ev.u.checkpoint.cpu_hash = h.cpu;
	ev.u.checkpoint.ram_hash = h.ram;
	ev.u.checkpoint.dev_hash = h.dev;
	ev.icount = cpu_icount(machine_cpu(r->m));
	observer_emit(&r->obs, &ev);
	/* The writer takes the interval's events now: in small steps, and
	 * little left for the end. */
	if (!r->error && trace_pipe_flush(r->pipe))
		fail(r, trace_writer_error(r->w));
}

static void write_keyframe(struct recorder *r)
{
	struct keyframe k = { .icount = cpu_icount(machine_cpu(r->m)) };
	uint8_t *snap;
	size_t len;
	char e[300];

	drain(r);
	if (r->error)
		return;
	if (machine_snapshot_save(r->m, &snap, &len, e, sizeof(e))) {
		fail(r, e);
		return;
	}
	k.events_seen = trace_writer_events_seen(r->w);
	k.events_stored = trace_writer_events_stored(r->w);
	trace_writer_chains(r->w, &k.chains);
	if (keyframes_append(r->keys, &k, snap, len)) {
		snprintf(e, sizeof(e), "%s: write error", r->keys_path);
		fail(r, e);
	}
	free(snap);
}

/* trace_pipe's first job: hash the blobs read from files, then write the
 * header. */
static int begin_trace(void *opaque)
{
	struct recorder *r = opaque;
	char e[300];

	if (trace_blobs_hash_files(r->blobs + r->first_file, r->nblobs - r->first_file, e,
				   sizeof(e)))
		return trace_writer_abort(r->w, -EIO, e);
	return trace_writer_begin(r->w, &r->hdr);
}

struct recorder *recorder_attach(struct machine *m, const struct machine_config *cfg,
				 const char *path, const struct recorder_options *o, char *err,
				 size_t errlen)
{
	struct recorder_options defaults;
	struct recorder *r;
	struct trace_rec_params p;
	struct trace_writer_options wo;

	if (!o) {
		recorder_options_init(&defaults);
		o = &defaults;
	}
	if (o->disk_rw) {
		snprintf(err, errlen, "--record needs --disk-mode snapshot: with rw the guest's "
			 "writes change the image, and replay could not start from it again");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->m = m;
	r->still_icount = UINT64_MAX;
	r->every = o->checkpoint_every ? o->checkpoint_every : RECORDER_DEFAULT_CHECKPOINT_EVERY;
	r->snap_every = o->snapshot_every;
	if (parse_io_list(o->trace_io, r->io_ports, &r->io_all, &r->io_none, err, errlen))
		goto fail;
	if (o->input_path && input_script_load(&r->inputs, o->input_path, err, errlen))
		goto fail;

	memset(&p, 0, sizeof(p));
	p.checkpoint_every = r->every;
	p.snapshot_every = r->snap_every;
	snprintf(p.trace_io, sizeof(p.trace_io), "%s", o->trace_io ? o->trace_io : "all");
	r->config = trace_config_format(cfg, &p);
	r->nblobs = trace_blobs_list(m, cfg, &r->blobs, &r->first_file, err, errlen);
	if (!r->config || r->nblobs < 0) {
		if (!r->config)
			snprintf(err, errlen, "out of memory");
		goto fail;
	}
	r->hdr.version = o->version ? o->version : "unknown";
	r->hdr.config = r->config;
	r->hdr.rtc_start = cfg->rtc_start;
	r->hdr.nblobs = (uint32_t)r->nblobs;
	r->hdr.blobs = r->blobs;
	trace_writer_options_init(&wo);
	wo.store = store_filter;
	wo.store_opaque = r;
	if (trace_writer_create(&r->w, path, &wo, err, errlen) < 0)
		goto fail;
	r->pipe = trace_pipe_new(r->w, o->writer_thread, begin_trace, r);
	if (!r->pipe)
		goto nomem;
	if (r->snap_every) {
		size_t n = strlen(path) + sizeof(KEYFRAMES_SUFFIX);
		r->keys_path = malloc(n);
		if (!r->keys_path)
			goto nomem;
		snprintf(r->keys_path, n, "%s%s", path, KEYFRAMES_SUFFIX);
		r->keys = keyframes_create(r->keys_path, err, errlen);
		if (!r->keys)
			goto fail;
	}
	if (observer_attach(&r->obs, m, on_event, r)) {
		snprintf(err, errlen, "no free machine hook slot for the recorder");
		goto fail;
	}
	observer_emit_power_on(&r->obs);
	{
		uint64_t ic = cpu_icount(machine_cpu(m));
		r->next_cp = (ic / r->every + 1) * r->every;
		r->next_snap = r->snap_every ? (ic / r->snap_every + 1) * r->snap_every : UINT64_MAX;
	}
	if (r->snap_every && !r->error)
		write_keyframe(r);
	if (r->error) {
		snprintf(err, errlen, "%s", r->errmsg);
		goto fail;
	}
	return r;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	observer_detach(&r->obs);
	trace_pipe_free(r->pipe);
	trace_blobs_free(r->blobs, r->blobs ? r->nblobs : 0);
	free(r->config);
	trace_writer_free(r->w);
	if (r->keys)
		fclose(r->keys);
	free(r->keys_path);
	input_script_free(&r->inputs);
	free(r);
	return NULL;
}

/* Virtual time a halted CPU spent idle since its HLT retired is in the
 * state (cycles, timers fired on the way) but not in the icount replay
 * goes by: record it as an idle input before input arrives or the
 * recording ends there. Slice boundaries never need one (they come right
 * after an instruction retired). */
static void note_idle(struct recorder *r)
{
	struct cpu *c = machine_cpu(r->m);
	struct trace_event ev = { .kind = TRACE_EV_INPUT };

	if (r->error || !cpu_halted(c) || !(cpu_get_reg(c, CPU_EFLAGS) & 0x200))
		return;
	ev.icount = cpu_icount(c);
	ev.u.input.kind = TRACE_INPUT_IDLE;
	ev.u.input.addr = machine_vtime(r->m);
	if (ev.icount == r->still_icount && ev.u.input.addr == r->still_cycles)
		return;
	observer_emit(&r->obs, &ev);
	r->still_icount = ev.icount;
	r->still_cycles = ev.u.input.addr;
}

/* Inject every scripted input that is due now. */
static void inject_due(struct recorder *r)
{
	uint64_t ic = cpu_icount(machine_cpu(r->m)), vt = machine_vtime(r->m);

	while (r->next_input < r->inputs.n && !r->error) {
		const struct input_item *it = &r->inputs.items[r->next_input];
		if (it->at_vtime ? vt < it->at : ic < it->at)
			break;
		observer_inject_input(&r->obs, it->kind, it->data, it->len);
		r->next_input++;
	}
}

enum machine_stop recorder_run(struct recorder *r, const struct machine_until *until)
{
	if (r->error)
		return MACHINE_STOP_REQUEST;
	for (;;) {
		uint64_t bound = r->next_cp, ic, ic0 = cpu_icount(machine_cpu(r->m));
		enum machine_stop why;
		int at;

		if (r->next_snap < bound)
			bound = r->next_snap;
		if (r->next_input < r->inputs.n && !r->inputs.items[r->next_input].at_vtime &&
		    r->inputs.items[r->next_input].at < bound)
			bound = r->inputs.items[r->next_input].at;
		why = machine_run_slice(r->m, until, bound, &at);
		ic = cpu_icount(machine_cpu(r->m));
		if (ic != ic0 && (at || why == MACHINE_STOP_CAP ||
				  (why == MACHINE_STOP_UNTIL && until && until->kind == UNTIL_ICOUNT))) {
			r->still_icount = ic;
			r->still_cycles = machine_vtime(r->m);
		}
		if (r->error)
			return MACHINE_STOP_REQUEST;
		if (!at)
			return why;
		if (ic == r->next_cp) {
			write_checkpoint(r);
			r->next_cp += r->every;
		}
		if (ic == r->next_snap) {
			write_keyframe(r);
			r->next_snap += r->snap_every;
		}
		inject_due(r);
	}
}

const char *recorder_error(const struct recorder *r)
{
	return r->error ? r->errmsg : NULL;
}

int recorder_inject_serial(struct recorder *r, const uint8_t *buf, size_t len)
{
	note_idle(r);
	return observer_inject_input(&r->obs, TRACE_INPUT_SERIAL, buf, (uint32_t)len);
}

int recorder_monitor_input(struct recorder *r, int kind, uint64_t addr, const uint8_t *data,
			   uint32_t len)
{
	struct trace_event ev = { .kind = TRACE_EV_INPUT };

	note_idle(r);
	if (r->error)
		return -1;
	ev.icount = cpu_icount(machine_cpu(r->m));
	ev.u.input.kind = (enum trace_input_kind)kind;
	ev.u.input.addr = addr;
	ev.u.input.len = len;
	ev.u.input.data = data;
	observer_emit(&r->obs, &ev);
	drain(r);
	return r->error ? -1 : 0;
}

int recorder_finish(struct recorder *r, enum machine_stop why, char *err, size_t errlen)
{
	int rc = 0;

	(void)why;
	note_idle(r);
	if (!r->error)
		write_checkpoint(r);
	observer_detach(&r->obs);
	if (trace_pipe_free(r->pipe) && !r->error)
		fail(r, trace_writer_error(r->w));
	if (r->error) {
		snprintf(err, errlen, "%s", r->errmsg);
		rc = -1;
	} else if (trace_writer_finish(r->w, cpu_icount(machine_cpu(r->m)))) {
		snprintf(err, errlen, "%s", trace_writer_error(r->w));
		rc = -1;
	}
	trace_writer_free(r->w);
	if (r->keys && fclose(r->keys) && !rc) {
		snprintf(err, errlen, "%s: write error", r->keys_path);
		rc = -1;
	}
	free(r->keys_path);
	trace_blobs_free(r->blobs, r->nblobs);
	free(r->config);
	input_script_free(&r->inputs);
	free(r);
	return rc;
}
