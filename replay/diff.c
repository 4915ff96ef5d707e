/*
 * replay/diff.c: the chain-hash search for the first divergent event of two
 * traces (replay/diff.h, docs/compare.md §2). Frame headers and the index
 * carry the seven chains at every frame start, so the last frame where the
 * two histories agree is found by binary search without decoding anything;
 * each stream then starts at the last frames whose chain for that stream
 * agrees, and only the frames from there on are decoded.
 */
#include "replay/diff.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "replay/bytebuf.h"
#include "replay/trace_print.h"
#include "replay/trace_reader.h"

void diff_options_init(struct diff_options *o)
{
	memset(o, 0, sizeof(*o));
	o->context = 3;
	o->pin = 1;
}

#define CTX_MAX 16

struct side {
	const char *path;
	struct trace_reader *r;
	size_t frame;                /* frame of the last event read */
	uint64_t frames_read;
	/* tracked while reading */
	int have_ms, have_ms_prev;
	struct trace_event ms;       /* last milestone seen (no byte data) */
	struct trace_event ms_prev;  /* the one before it */
	int have_cp;
	struct trace_event cp;       /* last checkpoint seen */
	struct bytebuf canon;
};

static void event_text(const struct trace_event *ev, const struct trace_header *h, char *buf,
		       size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	size_t n;

	if (!f) {
		snprintf(buf, len, "?");
		return;
	}
	trace_event_print(f, ev, h);
	fclose(f);
	buf[len - 1] = 0;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
}

static void side_seek(struct side *s, size_t frame)
{
	trace_reader_seek_frame(s->r, frame);
	s->frame = frame;
	s->frames_read++;
}

/* Next event of the stream (TRACE_STREAM_ALL: every event but CHECKPOINT).
 * Returns 1, 0 at the end, -1 on an error. */
static int side_next(struct side *s, int stream, struct trace_event *ev)
{
	for (;;) {
		int n = trace_reader_next(s->r, ev), st;
		uint64_t num;
		if (n <= 0)
			return n;
		num = trace_reader_event_number(s->r);
		while (s->frame + 1 < trace_reader_nframes(s->r) &&
		       num >= trace_reader_frame(s->r, s->frame + 1)->first_event) {
			s->frame++;
			s->frames_read++;
		}
		if (ev->kind == TRACE_EV_MILESTONE) {
			s->ms_prev = s->ms;
			s->have_ms_prev = s->have_ms;
			s->ms = *ev;
			s->have_ms = 1;
		} else if (ev->kind == TRACE_EV_CHECKPOINT) {
			s->cp = *ev;
			s->have_cp = 1;
		}
		st = trace_event_stream(ev->kind);
		if (st < 0)
			continue;
		if (stream == TRACE_STREAM_ALL || st == stream)
			return 1;
	}
}

static int frames_equal(const struct trace_frame_info *a, const struct trace_frame_info *b)
{
	return a->first_icount == b->first_icount && a->first_event == b->first_event &&
	       !memcmp(a->chains, b->chains, sizeof(a->chains));
}

/* The last frame k with frame k equal in both, by binary search; -1 when
 * even frame 0 differs (or a trace is empty). */
static long aligned_frame(struct side *a, struct side *b, FILE *log)
{
	size_t na = trace_reader_nframes(a->r), nb = trace_reader_nframes(b->r);
	size_t n = na < nb ? na : nb;
	long lo = -1, hi = (long)n;   /* frames <= lo agree, frames >= hi do not */

	if (log)
		fprintf(log, "search: A has %zu frames, B has %zu; comparing the chains at frame "
			     "starts (index only, nothing decoded)\n", na, nb);
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		int eq = frames_equal(trace_reader_frame(a->r, (size_t)mid),
				      trace_reader_frame(b->r, (size_t)mid));
		if (log)
			fprintf(log, "  frame %ld (A icount %" PRIu64 ", B icount %" PRIu64 "): %s\n",
				mid, trace_reader_frame(a->r, (size_t)mid)->first_icount,
				trace_reader_frame(b->r, (size_t)mid)->first_icount,
				eq ? "chains equal, the divergence is later" :
				     "chains differ, the divergence is earlier");
		if (eq)
			lo = mid;
		else
			hi = mid;
	}
	if (log)
		fprintf(log, "  last frame where both agree: %ld\n", lo);
	return lo;
}

/* Largest j with B.frame[j].chains[s] == v, or -1. */
static long find_chain(struct side *b, int s, uint64_t v, long from)
{
	for (long j = (long)trace_reader_nframes(b->r) - 1; j >= from && j >= 0; j--)
		if (trace_reader_frame(b->r, (size_t)j)->chains[s] == v)
			return j;
	return -1;
}

/* The last milestone in frames [0, frame) of s, searching backwards. */
static int milestone_before(struct side *s, size_t frame, struct trace_event *out)
{
	struct trace_event ev;

	while (frame-- > 0) {
		int found = 0;
		uint64_t end = frame + 1 < trace_reader_nframes(s->r) ?
				       trace_reader_frame(s->r, frame + 1)->first_event : UINT64_MAX;
		side_seek(s, frame);
		while (trace_reader_next(s->r, &ev) > 0 && trace_reader_event_number(s->r) < end)
			if (ev.kind == TRACE_EV_MILESTONE) {
				*out = ev;
				found = 1;
			}
		if (found)
			return 1;
	}
	return 0;
}

static void ms_name(const struct trace_event *ev, char *buf, size_t len)
{
	const char *m = trace_milestone_name(ev->u.milestone.id);
	snprintf(buf, len, "%" PRIu32 ":%s (icount %" PRIu64 ")", ev->u.milestone.boot,
		 m ? m : "?", ev->icount);
}

/* The next milestone after the current position, or "(end of trace)". */
static void milestone_after(struct side *s, char *buf, size_t len)
{
	struct trace_event ev;

	while (side_next(s, TRACE_STREAM_MILESTONE, &ev) > 0) {
		ms_name(&ev, buf, len);
		return;
	}
	snprintf(buf, len, "(end of trace)");
}

struct stream_search {
	long start_a, start_b;
	char ctx[CTX_MAX][DIFF_TEXT];
	int nctx;
	int have_before;
	struct trace_event before;         /* milestone before the divergence (A) */
	char after_a[96], after_b[96];
	int have_cp;                       /* a common checkpoint before the divergence */
	uint64_t cp_icount;
};

static int checkpoints_equal(const struct trace_event *a, const struct trace_event *b)
{
	return a->icount == b->icount && a->u.checkpoint.cpu_hash == b->u.checkpoint.cpu_hash &&
	       a->u.checkpoint.ram_hash == b->u.checkpoint.ram_hash &&
	       a->u.checkpoint.dev_hash == b->u.checkpoint.dev_hash &&
	       !memcmp(a->u.checkpoint.chains, b->u.checkpoint.chains,
		       sizeof(a->u.checkpoint.chains));
}

/* Find the first divergent event of stream st. Returns 0, or -1 on a read
 * error (message in res). */
static int search_stream(struct side *a, struct side *b, int st, long aligned,
			 const struct diff_options *o, FILE *log, struct diff_stream_result *sr,
			 struct stream_search *ss, struct diff_result *res)
{
	const struct trace_header *ha = trace_reader_header(a->r), *hb = trace_reader_header(b->r);
	struct trace_event ea, eb;
	int ra = 0, rb = 0;
	long ia = aligned < 0 ? 0 : aligned, ib = ia;
	long na = (long)trace_reader_nframes(a->r);
	int ctx = o->context > CTX_MAX ? CTX_MAX : o->context;

	memset(ss, 0, sizeof(*ss));
	/* Later frames where this stream's chain still agrees (its events may
	 * agree past the point where the whole history diverged). */
	if (aligned >= 0) {
		long lo = ia, hi = na;
		while (hi - lo > 1) {
			long mid = lo + (hi - lo) / 2;
			long j = find_chain(b, st, trace_reader_frame(a->r, (size_t)mid)->chains[st], ib);
			if (j >= 0) {
				lo = mid;
				ib = j;
			} else {
				hi = mid;
			}
		}
		if (lo != ia) {
			ib = find_chain(b, st, trace_reader_frame(a->r, (size_t)lo)->chains[st], 0);
			ia = lo;
		}
		if (log)
			fprintf(log, "stream %s: its chain agrees up to A frame %ld, B frame %ld; "
				     "decoding from there\n", trace_stream_name((enum trace_stream)st),
				ia, ib);
	}
	ss->start_a = ia;
	ss->start_b = ib;
	a->have_ms = b->have_ms = a->have_ms_prev = b->have_ms_prev = 0;
	a->have_cp = b->have_cp = 0;
	if (trace_reader_nframes(a->r))
		side_seek(a, (size_t)ia);
	if (trace_reader_nframes(b->r))
		side_seek(b, (size_t)ib);
	for (;;) {
		ra = trace_reader_nframes(a->r) ? side_next(a, st, &ea) : 0;
		rb = trace_reader_nframes(b->r) ? side_next(b, st, &eb) : 0;
		if (ra < 0 || rb < 0) {
			snprintf(res->message, sizeof(res->message), "%s: %s", ra < 0 ? a->path : b->path,
				 trace_reader_error(ra < 0 ? a->r : b->r));
			return -1;
		}
		if (ra == 0 && rb == 0)
			break;   /* stored events agree: the difference is in unstored ones */
		if (ra && rb) {
			bytebuf_clear(&a->canon);
			bytebuf_clear(&b->canon);
			trace_event_encode_canonical(&ea, &a->canon);
			trace_event_encode_canonical(&eb, &b->canon);
			if (a->canon.len == b->canon.len &&
			    !memcmp(a->canon.data, b->canon.data, a->canon.len)) {
				if (ctx > 0) {
					if (ss->nctx == ctx) {
						memmove(ss->ctx[0], ss->ctx[1], sizeof(ss->ctx[0]) * (size_t)(ctx - 1));
						ss->nctx--;
					}
					event_text(&ea, ha, ss->ctx[ss->nctx++], DIFF_TEXT);
				}
				if (a->have_cp && b->have_cp && checkpoints_equal(&a->cp, &b->cp)) {
					ss->have_cp = 1;
					ss->cp_icount = a->cp.icount;
				}
				continue;
			}
		}
		sr->found = 1;
		sr->a_icount = ra ? ea.icount : UINT64_MAX;
		sr->b_icount = rb ? eb.icount : UINT64_MAX;
		if (ra)
			event_text(&ea, ha, sr->a_text, DIFF_TEXT);
		else
			snprintf(sr->a_text, DIFF_TEXT, "(end of trace)");
		if (rb)
			event_text(&eb, hb, sr->b_text, DIFF_TEXT);
		else
			snprintf(sr->b_text, DIFF_TEXT, "(end of trace)");
		if (a->have_cp && b->have_cp && checkpoints_equal(&a->cp, &b->cp) &&
		    a->cp.icount <= (sr->a_icount < sr->b_icount ? sr->a_icount : sr->b_icount)) {
			ss->have_cp = 1;
			ss->cp_icount = a->cp.icount;
		}
		break;
	}
	/* The milestones around it. */
	if (sr->found && ra && ea.kind == TRACE_EV_MILESTONE) {
		ss->have_before = a->have_ms_prev;
		ss->before = a->ms_prev;
	} else if (a->have_ms) {
		ss->have_before = 1;
		ss->before = a->ms;
	}
	if (sr->found) {
		if (sr->a_icount != UINT64_MAX)
			milestone_after(a, ss->after_a, sizeof(ss->after_a));
		else
			snprintf(ss->after_a, sizeof(ss->after_a), "(end of trace)");
		if (sr->b_icount != UINT64_MAX)
			milestone_after(b, ss->after_b, sizeof(ss->after_b));
		else
			snprintf(ss->after_b, sizeof(ss->after_b), "(end of trace)");
	}
	if (!ss->have_before && ia > 0)
		ss->have_before = milestone_before(a, (size_t)ia, &ss->before);
	return 0;
}

int diff_same_roms(const struct trace_header *a, const struct trace_header *b)
{
	uint32_t ia = 0, ib = 0;

	for (;;) {
		while (ia < a->nblobs && a->blobs[ia].kind != TRACE_BLOB_ROM)
			ia++;
		while (ib < b->nblobs && b->blobs[ib].kind != TRACE_BLOB_ROM)
			ib++;
		if (ia == a->nblobs || ib == b->nblobs)
			return ia == a->nblobs && ib == b->nblobs;
		if (strcmp(a->blobs[ia].name, b->blobs[ib].name) ||
		    a->blobs[ia].size != b->blobs[ib].size ||
		    memcmp(a->blobs[ia].hash, b->blobs[ib].hash, 16))
			return 0;
		ia++;
		ib++;
	}
}

/* The configuration without disk lines (the disks may differ). */
static int same_config(const char *a, const char *b)
{
	for (;;) {
		while (!strncmp(a, "disk=", 5) && strchr(a, '\n'))
			a = strchr(a, '\n') + 1;
		while (!strncmp(b, "disk=", 5) && strchr(b, '\n'))
			b = strchr(b, '\n') + 1;
		if (!*a || !*b)
			return !*a && !*b;
		{
			const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
			size_t la = ea ? (size_t)(ea - a) + 1 : strlen(a);
			size_t lb = eb ? (size_t)(eb - b) + 1 : strlen(b);
			if (la != lb || memcmp(a, b, la))
				return 0;
			a += la;
			b += lb;
		}
	}
}

static void side_close(struct side *s)
{
	trace_reader_close(s->r);
	bytebuf_free(&s->canon);
}

static void print_stream(FILE *out, int st, const struct diff_stream_result *sr,
			 const struct stream_search *ss)
{
	char before[96];

	if (!sr->differs) {
		fprintf(out, "stream %s: identical\n", trace_stream_name((enum trace_stream)st));
		return;
	}
	if (!sr->found) {
		fprintf(out, "stream %s: differs only in events that were not stored (--trace-io); "
			     "the chains diverge after A frame %ld, B frame %ld\n",
			trace_stream_name((enum trace_stream)st), ss->start_a, ss->start_b);
		return;
	}
	if (ss->have_before)
		ms_name(&ss->before, before, sizeof(before));
	else
		snprintf(before, sizeof(before), "(start)");
	fprintf(out, "stream %s: first divergent event (decoded from A frame %ld, B frame %ld)\n",
		trace_stream_name((enum trace_stream)st), ss->start_a, ss->start_b);
	fprintf(out, "  after milestone %s; next milestone A %s, B %s\n", before, ss->after_a,
		ss->after_b);
	for (int i = 0; i < ss->nctx; i++)
		fprintf(out, "     %s\n", ss->ctx[i]);
	fprintf(out, "  A: %s\n", sr->a_text);
	fprintf(out, "  B: %s\n", sr->b_text);
}

static int open_side(struct side *s, const char *path, struct diff_result *res)
{
	char e[768];

	memset(s, 0, sizeof(*s));
	s->path = path;
	bytebuf_init(&s->canon);
	if (trace_reader_open(&s->r, path, TRACE_READ_STRICT, e, sizeof(e))) {
		snprintf(res->message, sizeof(res->message), "%s: %s", path, e);
		return -1;
	}
	return 0;
}

static int diff_run(const char *pa, const char *pb, const struct diff_options *o, FILE *out,
		    FILE *log, struct diff_result *res)
{
	struct side a, b;
	const struct trace_footer *fa, *fb;
	struct trace_footer fta, ftb;
	struct stream_search ss[TRACE_NSTREAMS];
	unsigned streams = o->streams ? o->streams : (1u << TRACE_NSTREAMS) - 1;
	long aligned;
	int any = 0;
	uint64_t first = UINT64_MAX, cp = 0;

	memset(res, 0, sizeof(*res));
	memset(ss, 0, sizeof(ss));
	memset(&b, 0, sizeof(b));
	if (open_side(&a, pa, res) || open_side(&b, pb, res)) {
		side_close(&a);
		side_close(&b);
		return res->status = 2;
	}
	if (trace_reader_header(a.r)->format_version != trace_reader_header(b.r)->format_version) {
		snprintf(res->message, sizeof(res->message),
			 "%s is trace format %u, %s format %u: their chain hashes do not compare "
			 "(lockstep diff compares them by their events)", pa,
			 trace_reader_header(a.r)->format_version, pb,
			 trace_reader_header(b.r)->format_version);
		side_close(&a);
		side_close(&b);
		return res->status = 2;
	}
	fta = *trace_reader_footer(a.r);   /* copies: used after the readers close */
	ftb = *trace_reader_footer(b.r);
	fa = &fta;
	fb = &ftb;
	res->same_machine = diff_same_roms(trace_reader_header(a.r), trace_reader_header(b.r)) &&
			    same_config(trace_reader_header(a.r)->config,
					trace_reader_header(b.r)->config);
	if (out)
		fprintf(out, "A: %s (%" PRIu64 " instructions, %zu frames)\nB: %s (%" PRIu64
			     " instructions, %zu frames)\n",
			pa, fa->final_icount, trace_reader_nframes(a.r), pb, fb->final_icount,
			trace_reader_nframes(b.r));
	aligned = aligned_frame(&a, &b, log);
	for (int st = 0; st < TRACE_NSTREAMS; st++) {
		struct diff_stream_result *sr = &res->s[st];
		/* Pinning needs the whole history (all); report only what was asked. */
		if (!(streams & (1u << st)) && !(st == TRACE_STREAM_ALL && o->pin))
			continue;
		sr->differs = fa->chains[st] != fb->chains[st];
		if (!sr->differs)
			continue;
		if (search_stream(&a, &b, st, aligned, o, log, sr, &ss[st], res)) {
			side_close(&a);
			side_close(&b);
			return res->status = 2;
		}
	}
	res->frames_read[0] = a.frames_read;
	res->frames_read[1] = b.frames_read;
	for (int st = 0; st < TRACE_NSTREAMS; st++) {
		if (!(streams & (1u << st)))
			continue;
		if (out)
			print_stream(out, st, &res->s[st], &ss[st]);
		any |= res->s[st].differs;
	}
	{
		const struct diff_stream_result *all = &res->s[TRACE_STREAM_ALL];
		if (all->differs && all->found) {
			first = all->a_icount < all->b_icount ? all->a_icount : all->b_icount;
			cp = ss[TRACE_STREAM_ALL].have_cp ? ss[TRACE_STREAM_ALL].cp_icount : 0;
		}
	}
	side_close(&a);
	side_close(&b);
	if (out && any && o->pin && first != UINT64_MAX) {
		if (!res->same_machine)
			fprintf(out, "not re-executed: the traces differ in ROM images or machine "
				     "configuration\n");
		else if (fa->chains[TRACE_STREAM_INPUT] || fb->chains[TRACE_STREAM_INPUT])
			fprintf(out, "not re-executed: the traces have input events\n");
		else if (diff_pin(pa, pb, cp, first, out, res) < 0)
			fprintf(out, "not re-executed: %s\n", res->message);
	}
	if (out) {
		fprintf(out, "frames decoded: A %" PRIu64 ", B %" PRIu64 "\n", res->frames_read[0],
			res->frames_read[1]);
		fprintf(out, "result: %s", any ? "different (" : "identical\n");
		if (any) {
			int n = 0;
			for (int st = 0; st < TRACE_NSTREAMS; st++)
				if ((streams & (1u << st)) && res->s[st].differs)
					fprintf(out, "%s%s", n++ ? ", " : "",
						trace_stream_name((enum trace_stream)st));
			fprintf(out, ")\n");
		}
	}
	res->message[0] = 0;
	return res->status = any ? 1 : 0;
}

int diff_traces(const char *a, const char *b, const struct diff_options *o, FILE *out,
		struct diff_result *res)
{
	struct diff_options def;

	if (!o) {
		diff_options_init(&def);
		o = &def;
	}
	return diff_run(a, b, o, out, o->explain ? out : NULL, res);
}

int diff_bisect_traces(const char *a, const char *b, FILE *out, FILE *errf)
{
	struct diff_options o;
	struct diff_result res;
	int rc;

	diff_options_init(&o);
	o.explain = 1;
	o.streams = 1u << TRACE_STREAM_ALL;
	rc = diff_traces(a, b, &o, out, &res);
	if (rc == 2)
		fprintf(errf, "lockstep bisect: %s\n", res.message);
	return rc;
}
