/*
 * replay/diff_cli.c: `lockstep diff A.trace B.trace` (docs/compare.md).
 * Traces of the same ROM images go to the chain search (replay/diff.c);
 * traces of different firmware, or --semantic, or any filter option, are
 * compared on the semantic streams with a per-milestone segment table
 * (replay/semantic.h) and the first differing event of the first segment
 * that differs.
 */
#include "replay/diff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "replay/semantic.h"
#include "replay/trace_reader.h"

static const char diff_usage[] =
"usage: lockstep diff A.trace B.trace [--streams LIST] [--semantic] [--context N]\n"
"                     [--no-pin] [--ignore-port LIST] [--ignore-vector LIST]\n"
"                     [--ignore-irq0] [--debug-filter REGEX]\n"
"\n"
"Compares two traces. Of the same firmware: finds each stream's first divergent\n"
"event by binary search over the chain hashes, shows it in context, and\n"
"re-executes both to pin the first divergent instruction. Of different firmware\n"
"(or with --semantic or a filter): compares the semantic streams segment by\n"
"segment (boot, milestone) and shows the first differing event.\n"
"\n"
"  --streams LIST        io,pam,int,debug,milestone,input,all (default: all of them)\n"
"  --semantic            compare semantically even when the firmware is the same\n"
"  --context N           events shown before a divergence (default 3, at most 16)\n"
"  --no-pin              do not re-execute\n"
"  --ignore-port LIST    semantic: drop writes to these ports (0x80,0x3f8-0x3ff)\n"
"  --ignore-vector LIST  semantic: drop interrupts with these vectors\n"
"  --ignore-irq0         semantic: drop timer ticks (vectors 0x08, 0x1c, 0x20; port 0x20)\n"
"  --debug-filter REGEX  semantic: replace each match in debug lines by '*'\n"
"\n"
"Exit status: 0 identical, 1 different, 2 usage or input error.\n";

static int usage(FILE *errf, const char *msg, const char *arg)
{
	fprintf(errf, "lockstep diff: ");
	fprintf(errf, msg, arg);
	fprintf(errf, " (try 'lockstep diff --help')\n");
	return 2;
}

/* Stream list: bits of enum trace_stream. */
static int parse_streams(const char *s, unsigned *out)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int i = 0; i < TRACE_NSTREAMS; i++)
			if (!strcmp(tok, trace_stream_name((enum trace_stream)i))) {
				*out |= 1u << i;
				found = 1;
			}
		if (!found)
			return -1;
	}
	return *out ? 0 : -1;
}

struct seg_key {
	const struct sem_segment *a, *b;
};

/* The union of both tables' segments: A's order, B's extra segments after
 * their predecessor in B. Returns the count; *out is malloc'd. */
static size_t merge_segments(const struct sem_table *a, const struct sem_table *b,
			     struct seg_key **out)
{
	size_t n = 0, pos = 0;
	struct seg_key *k = calloc(a->nseg + b->nseg + 1, sizeof(*k));

	*out = k;
	if (!k)
		return 0;
	for (size_t i = 0; i < a->nseg; i++)
		k[n++].a = &a->seg[i];
	for (size_t i = 0; i < b->nseg; i++) {
		const struct sem_segment *s = &b->seg[i];
		size_t j;
		for (j = 0; j < n; j++)
			if (k[j].a && k[j].a->boot == s->boot && k[j].a->milestone == s->milestone &&
			    k[j].a->occurrence == s->occurrence)
				break;
		if (j < n) {
			k[j].b = s;
			pos = j + 1;
			continue;
		}
		memmove(&k[pos + 1], &k[pos], (n - pos) * sizeof(*k));
		k[pos].a = NULL;
		k[pos].b = s;
		n++;
		pos++;
	}
	return n;
}

static int seg_stream_differs(const struct seg_key *k, int s)
{
	if (!k->a || !k->b)
		return 1;
	return k->a->hash[s] != k->b->hash[s] || k->a->count[s] != k->b->count[s];
}

static int capture(const char *path, const struct sem_filter *flt, const struct sem_segment *key,
		   int s, struct sem_table *t, char *err, size_t errlen)
{
	sem_table_init(t, flt);
	sem_table_capture(t, key->boot, key->milestone, key->occurrence, (enum sem_stream)s);
	return sem_table_read_trace(t, path, err, errlen);
}

/* Print the first differing event of stream s in segment k. */
static int first_event(FILE *out, const char *pa, const char *pb, const struct sem_filter *flt,
		       const struct seg_key *k, int s, int context, char *err, size_t errlen)
{
	struct sem_table ta, tb;
	const struct sem_segment *key = k->a ? k->a : k->b;
	size_t i = 0, from;
	char name[64];

	sem_table_init(&ta, flt);
	sem_table_init(&tb, flt);
	if ((k->a && capture(pa, flt, key, s, &ta, err, errlen)) ||
	    (k->b && capture(pb, flt, key, s, &tb, err, errlen))) {
		sem_table_free(&ta);
		sem_table_free(&tb);
		return -1;
	}
	while (i < ta.nitems && i < tb.nitems && !strcmp(ta.items[i].text, tb.items[i].text))
		i++;
	sem_segment_name(key, name, sizeof(name));
	fprintf(out, "first difference: segment %s, stream %s, event %zu of the segment%s\n", name,
		sem_stream_name((enum sem_stream)s), i,
		!k->a ? " (segment only in B)" : !k->b ? " (segment only in A)" : "");
	from = i > (size_t)context ? i - (size_t)context : 0;
	for (size_t j = from; j < i; j++)
		fprintf(out, "     %s   (A icount %" PRIu64 ", B icount %" PRIu64 ")\n",
			ta.items[j].text, ta.items[j].icount, tb.items[j].icount);
	if (i < ta.nitems)
		fprintf(out, "  A: %s   (icount %" PRIu64 ")\n", ta.items[i].text, ta.items[i].icount);
	else
		fprintf(out, "  A: (no more events in this segment)\n");
	if (i < tb.nitems)
		fprintf(out, "  B: %s   (icount %" PRIu64 ")\n", tb.items[i].text, tb.items[i].icount);
	else
		fprintf(out, "  B: (no more events in this segment)\n");
	sem_table_free(&ta);
	sem_table_free(&tb);
	return 0;
}

static void print_hash(FILE *out, const struct sem_segment *s, int st)
{
	if (s)
		fprintf(out, " %6" PRIu64 " %016" PRIx64, s->count[st], s->hash[st]);
	else
		fprintf(out, " %6s %16s", "-", "-");
}

static int semantic_diff(const char *pa, const char *pb, const struct sem_filter *flt,
			 unsigned sem_streams, int context, const char *why, FILE *out,
			 FILE *errf)
{
	struct sem_table ta, tb;
	struct seg_key *keys = NULL;
	size_t n;
	char err[1024], name[64];
	int any = 0, rc = 0;
	long first = -1;
	int first_stream = -1;

	sem_table_init(&ta, flt);
	sem_table_init(&tb, flt);
	if (sem_table_read_trace(&ta, pa, err, sizeof(err)) ||
	    sem_table_read_trace(&tb, pb, err, sizeof(err))) {
		fprintf(errf, "lockstep diff: %s\n", err);
		rc = 2;
		goto out;
	}
	n = merge_segments(&ta, &tb, &keys);
	fprintf(out, "A: %s\nB: %s\nsemantic comparison (%s)\n\n", pa, pb, why);
	fprintf(out, "%-20s %-9s %6s %-16s %6s %-16s  %s\n", "segment", "stream", "n(A)", "hash(A)", "n(B)",
		"hash(B)", "");
	for (size_t i = 0; i < n; i++) {
		sem_segment_name(keys[i].a ? keys[i].a : keys[i].b, name, sizeof(name));
		for (int s = 0; s < SEM_NSTREAMS; s++) {
			int d;
			if (!(sem_streams & (1u << s)))
				continue;
			d = seg_stream_differs(&keys[i], s);
			fprintf(out, "%-20s %-9s", name, sem_stream_name((enum sem_stream)s));
			print_hash(out, keys[i].a, s);
			print_hash(out, keys[i].b, s);
			fprintf(out, "  %s\n", !keys[i].a ? "only in B" : !keys[i].b ? "only in A" :
					       d ? "DIFFERS" : "equal");
			if (d && first < 0) {
				first = (long)i;
				first_stream = s;
			}
			any |= d;
		}
	}
	fprintf(out, "\n");
	if (first >= 0 && first_event(out, pa, pb, flt, &keys[first], first_stream, context, err,
				      sizeof(err))) {
		fprintf(errf, "lockstep diff: %s\n", err);
		rc = 2;
		goto out;
	}
	fprintf(out, "result: %s\n", any ? "different" : "identical");
	rc = any ? 1 : 0;
out:
	free(keys);
	sem_table_free(&ta);
	sem_table_free(&tb);
	return rc;
}

/* Whether the two traces' ROM images are the same (-1: unreadable), and
 * their format versions. */
static int same_roms(const char *pa, const char *pb, uint32_t ver[2], char *err, size_t errlen)
{
	struct trace_reader *a, *b;
	char e[768];
	int same;

	if (trace_reader_open(&a, pa, TRACE_READ_STRICT, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", pa, e);
		return -1;
	}
	if (trace_reader_open(&b, pb, TRACE_READ_STRICT, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", pb, e);
		trace_reader_close(a);
		return -1;
	}
	same = diff_same_roms(trace_reader_header(a), trace_reader_header(b));
	ver[0] = trace_reader_header(a)->format_version;
	ver[1] = trace_reader_header(b)->format_version;
	trace_reader_close(a);
	trace_reader_close(b);
	return same;
}

int diff_cmd_run(int argc, char **argv, FILE *out, FILE *errf)
{
	struct diff_options o;
	struct diff_result res;
	struct sem_filter *flt;
	const char *files[2] = { NULL, NULL };
	int nfiles = 0, semantic = 0, filtered = 0, rc;
	char err[1024];

	diff_options_init(&o);
	flt = malloc(sizeof(*flt));
	if (!flt) {
		fprintf(errf, "lockstep diff: out of memory\n");
		return 2;
	}
	sem_filter_init(flt);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int need = !strcmp(a, "--streams") || !strcmp(a, "--context") ||
			   !strcmp(a, "--ignore-port") || !strcmp(a, "--ignore-vector") ||
			   !strcmp(a, "--debug-filter");
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(diff_usage, out);
			rc = 0;
			goto done;
		}
		if (need && !v) {
			rc = usage(errf, "%s needs a value", a);
			goto done;
		}
		if (!strcmp(a, "--streams")) {
			if (parse_streams(v, &o.streams)) {
				rc = usage(errf, "bad stream list '%s'", v);
				goto done;
			}
		} else if (!strcmp(a, "--context")) {
			char *end;
			long c;
			errno = 0;
			c = strtol(v, &end, 10);
			if (errno || *end || !*v || c < 0 || c > 16) {
				rc = usage(errf, "bad --context '%s' (0 to 16)", v);
				goto done;
			}
			o.context = (int)c;
		} else if (!strcmp(a, "--ignore-port") || !strcmp(a, "--ignore-vector")) {
			int r = a[9] == 'p' ? sem_filter_add_ports(flt, v, err, sizeof(err)) :
					      sem_filter_add_vectors(flt, v, err, sizeof(err));
			if (r) {
				rc = usage(errf, "%s", err);
				goto done;
			}
			filtered = 1;
		} else if (!strcmp(a, "--debug-filter")) {
			if (sem_filter_set_regex(flt, v, err, sizeof(err))) {
				rc = usage(errf, "%s", err);
				goto done;
			}
			filtered = 1;
		} else if (!strcmp(a, "--ignore-irq0")) {
			sem_filter_ignore_irq0(flt);
			filtered = 1;
			continue;
		} else if (!strcmp(a, "--semantic")) {
			semantic = 1;
			continue;
		} else if (!strcmp(a, "--no-pin")) {
			o.pin = 0;
			continue;
		} else if (a[0] == '-' && a[1]) {
			rc = usage(errf, "unknown option '%s'", a);
			goto done;
		} else {
			if (nfiles == 2) {
				rc = usage(errf, "unexpected argument '%s'", a);
				goto done;
			}
			files[nfiles++] = a;
			continue;
		}
		i++;
	}
	if (nfiles != 2) {
		rc = usage(errf, "%s", "needs two traces");
		goto done;
	}
	{
		uint32_t ver[2];
		char why[96];
		int same = same_roms(files[0], files[1], ver, err, sizeof(err));
		if (same < 0) {
			fprintf(errf, "lockstep diff: %s\n", err);
			rc = 2;
			goto done;
		}
		/* Chains of different format versions differ by definition: compare
		 * what both formats have (docs/trace-format.md §11). */
		if (ver[0] != ver[1])
			flt->format = ver[0] < ver[1] ? ver[0] : ver[1];
		if (ver[0] != ver[1])
			snprintf(why, sizeof(why), "%sformat versions %u and %u: the events of format "
				 "%u", !same ? "the ROM images differ; " : "", ver[0], ver[1],
				 flt->format);
		else
			snprintf(why, sizeof(why), "%s", !same ? "the ROM images differ" :
				 semantic ? "--semantic" : "filters given");
		if (!same || semantic || filtered || ver[0] != ver[1]) {
			unsigned sem = 0;
			unsigned st = o.streams ? o.streams : ~0u;
			static const int map[SEM_NSTREAMS] = { TRACE_STREAM_IO, TRACE_STREAM_PAM,
							       TRACE_STREAM_INT, TRACE_STREAM_DEBUG,
							       TRACE_STREAM_MILESTONE };
			for (int s = 0; s < SEM_NSTREAMS; s++)
				if (st & (1u << map[s] | 1u << TRACE_STREAM_ALL))
					sem |= 1u << s;
			if (!sem) {
				rc = usage(errf, "%s", "no semantic stream selected (input has none)");
				goto done;
			}
			rc = semantic_diff(files[0], files[1], flt, sem, o.context, why, out, errf);
			goto done;
		}
	}
	rc = diff_traces(files[0], files[1], &o, out, &res);
	if (rc == 2)
		fprintf(errf, "lockstep diff: %s\n", res.message);
done:
	sem_filter_free(flt);
	free(flt);
	return rc;
}

int diff_cmd_main(int argc, char **argv)
{
	return diff_cmd_run(argc, argv, stdout, stderr);
}
