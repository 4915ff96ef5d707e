/* replay/trace_cli.c: `lockstep trace show|stats`: print or summarise a trace. */
#include "replay/trace_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "replay/trace_print.h"
#include "replay/trace_reader.h"

#define EXIT_USAGE 2

static const char trace_usage[] =
"usage: lockstep trace show|stats FILE [--events KINDS] [--from N] [--to N]\n"
"                                      [--port LO-HI]\n"
"\n"
"show prints one event per line: icount, kind, fields. stats prints events and\n"
"bytes by kind, the compression ratio, checkpoints, milestones and bytes per\n"
"million instructions.\n"
"\n"
"  --events KINDS  only these kinds, comma-separated (io,pam,milestone,...; all)\n"
"  --from N        only events at icount >= N\n"
"  --to N          only events at icount <= N\n"
"  --port LO-HI    only port I/O events with LO <= port <= HI (or one port);\n"
"                  MMIO events are hidden, other kinds are not affected\n"
"\n"
"Numbers are decimal or 0x hex. A truncated trace is read up to its last\n"
"complete frame, with a warning on stderr (exit 0). Exit 2 on a usage error or\n"
"an unreadable or corrupt trace.\n";

struct filter {
	uint32_t kinds;          /* bit per kind */
	uint64_t from, to;
	uint64_t port_lo, port_hi;
	int have_port;
};

struct kind_stats {
	uint64_t events;
	uint64_t bytes;
};

static int usage(FILE *errf, const char *msg, const char *arg)
{
	fprintf(errf, "lockstep trace: ");
	fprintf(errf, msg, arg);
	fprintf(errf, " (try 'lockstep trace --help')\n");
	return EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int parse_kinds(const char *s, uint32_t *kinds)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*kinds = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum trace_event_kind k;
		if (!strcmp(tok, "all")) {
			*kinds = ~0u;
			continue;
		}
		k = trace_event_kind_parse(tok);
		if (!k)
			return -1;
		*kinds |= 1u << k;
	}
	return *kinds ? 0 : -1;
}

static int parse_ports(const char *s, struct filter *flt)
{
	char buf[64], *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	if (parse_u64(buf, &flt->port_lo))
		return -1;
	flt->port_hi = flt->port_lo;
	if (dash && parse_u64(dash + 1, &flt->port_hi))
		return -1;
	if (flt->port_lo > flt->port_hi || flt->port_hi > 0xffff)
		return -1;
	flt->have_port = 1;
	return 0;
}

static int filter_match(const struct filter *flt, const struct trace_event *ev)
{
	if (!(flt->kinds & (1u << ev->kind)) || ev->icount < flt->from || ev->icount > flt->to)
		return 0;
	if (flt->have_port && ev->kind == TRACE_EV_IO)
		return !ev->u.io.mmio && ev->u.io.addr >= flt->port_lo && ev->u.io.addr <= flt->port_hi;
	return 1;
}

/* "12.34" from a ratio num/den, in integer arithmetic. */
static void print_ratio(FILE *out, uint64_t num, uint64_t den)
{
	uint64_t r = den ? (num * 100 + den / 2) / den : 0;
	fprintf(out, "%" PRIu64 ".%02" PRIu64, r / 100, r % 100);
}

static int run_stats(struct trace_reader *r, const struct filter *flt, FILE *out, FILE *errf,
		     const char *path)
{
	const struct trace_header *h = trace_reader_header(r);
	const struct trace_footer *ft = trace_reader_footer(r);
	struct kind_stats ks[TRACE_EV_KIND_END];
	struct trace_event ev;
	uint64_t total = 0, bytes = 0, csize = 0, usize = 0, last_icount = 0, instr, fsize;
	uint64_t checkpoints = 0;
	char *ms = NULL;
	size_t mslen = 0;
	FILE *msf = open_memstream(&ms, &mslen);
	int rc;

	if (!msf) {
		fprintf(errf, "lockstep trace: out of memory\n");
		return EXIT_USAGE;
	}
	memset(ks, 0, sizeof(ks));
	while ((rc = trace_reader_next(r, &ev)) > 0) {
		last_icount = ev.icount;
		if (!filter_match(flt, &ev))
			continue;
		ks[ev.kind].events++;
		ks[ev.kind].bytes += trace_reader_event_size(r);
		total++;
		bytes += trace_reader_event_size(r);
		if (ev.kind == TRACE_EV_CHECKPOINT)
			checkpoints++;
		if (ev.kind == TRACE_EV_MILESTONE)
			fprintf(msf, "  %12" PRIu64 "  boot %u %s\n", ev.icount, ev.u.milestone.boot,
				trace_milestone_name(ev.u.milestone.id));
	}
	fclose(msf);
	if (rc < 0) {
		fprintf(errf, "lockstep trace: %s: %s\n", path, trace_reader_error(r));
		free(ms);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < trace_reader_nframes(r); i++) {
		csize += trace_reader_frame(r, i)->csize;
		usize += trace_reader_frame(r, i)->usize;
	}
	fsize = trace_reader_file_size(r);
	instr = ft ? ft->final_icount : last_icount;
	fprintf(out, "trace: %s\n", path);
	fprintf(out, "format: version %u, written by lockstep %s\n", h->format_version, h->version);
	fprintf(out, "file: %" PRIu64 " bytes, %zu frames%s\n", fsize, trace_reader_nframes(r),
		ft ? "" : " (truncated: no index)");
	fprintf(out, "events: %" PRIu64 " shown", total);
	if (ft)
		fprintf(out, " of %" PRIu64 " stored, %" PRIu64 " seen", ft->events_stored,
			ft->events_seen);
	fprintf(out, "\nevent bytes: %" PRIu64 " uncompressed, %" PRIu64 " compressed, ratio ",
		usize, csize);
	print_ratio(out, usize, csize);
	fprintf(out, "\ninstructions: %" PRIu64 "\nbytes per million instructions: ", instr);
	if (instr)
		fprintf(out, "%" PRIu64 "\n", (uint64_t)((unsigned __int128)fsize * 1000000 / instr));
	else
		fprintf(out, "-\n");
	fprintf(out, "checkpoints: %" PRIu64 "\n", checkpoints);
	fprintf(out, "\n%-14s %12s %12s\n", "kind", "events", "bytes");
	for (int k = 1; k < TRACE_EV_KIND_END; k++)
		if (ks[k].events)
			fprintf(out, "%-14s %12" PRIu64 " %12" PRIu64 "\n",
				trace_event_kind_name((enum trace_event_kind)k), ks[k].events,
				ks[k].bytes);
	fprintf(out, "%-14s %12" PRIu64 " %12" PRIu64 "\n", "total", total, bytes);
	fprintf(out, "\nmilestones:\n%s", mslen ? ms : "  (none)\n");
	free(ms);
	return 0;
}

static int run_show(struct trace_reader *r, const struct filter *flt, FILE *out, FILE *errf,
		    const char *path)
{
	struct trace_event ev;
	int rc;

	if (flt->from)
		trace_reader_seek_icount(r, flt->from);
	while ((rc = trace_reader_next(r, &ev)) > 0) {
		if (ev.icount > flt->to)
			break;
		if (filter_match(flt, &ev))
			trace_event_print(out, &ev, trace_reader_header(r));
	}
	if (rc < 0) {
		fflush(out);
		fprintf(errf, "lockstep trace: %s: %s\n", path, trace_reader_error(r));
		return EXIT_USAGE;
	}
	return 0;
}

/* Value of an option given as "--opt VALUE" or "--opt=VALUE"; NULL if argv[*i]
 * is not this option. Sets *missing when the value is absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

int trace_cmd_run(int argc, char **argv, FILE *out, FILE *errf)
{
	struct filter flt = { ~0u, 0, UINT64_MAX, 0, 0, 0 };
	const char *sub = NULL, *path = NULL, *v;
	struct trace_reader *r;
	char err[400];
	int rc;

	for (int i = 1; i < argc; i++) {
		int missing = 0;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(trace_usage, out);
			return 0;
		}
		if ((v = opt_value(argc, argv, &i, "--events", &missing))) {
			if (parse_kinds(v, &flt.kinds))
				return usage(errf, "--events %s: unknown event kind", v);
		} else if ((v = opt_value(argc, argv, &i, "--from", &missing))) {
			if (parse_u64(v, &flt.from))
				return usage(errf, "--from %s: not a number", v);
		} else if ((v = opt_value(argc, argv, &i, "--to", &missing))) {
			if (parse_u64(v, &flt.to))
				return usage(errf, "--to %s: not a number", v);
		} else if ((v = opt_value(argc, argv, &i, "--port", &missing))) {
			if (parse_ports(v, &flt))
				return usage(errf, "--port %s: expected LO-HI (0-0xffff)", v);
		} else if (missing) {
			return usage(errf, "option '%s' needs a value", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage(errf, "unknown option '%s'", argv[i]);
		} else if (!sub) {
			sub = argv[i];
		} else if (!path) {
			path = argv[i];
		} else {
			return usage(errf, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!sub)
		return usage(errf, "missing command (show or stats)%s", "");
	if (strcmp(sub, "show") && strcmp(sub, "stats"))
		return usage(errf, "unknown command '%s' (show or stats)", sub);
	if (!path)
		return usage(errf, "%s: missing FILE", sub);
	if (flt.from > flt.to)
		return usage(errf, "--from is after --to%s", "");
	if (trace_reader_open(&r, path, TRACE_READ_SALVAGE, err, sizeof(err))) {
		fprintf(errf, "lockstep trace: %s: %s\n", path, err);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "show"))
		rc = run_show(r, &flt, out, errf, path);
	else
		rc = run_stats(r, &flt, out, errf, path);
	if (!rc && trace_reader_warning(r))
		fprintf(errf, "lockstep trace: warning: %s: %s\n", path, trace_reader_warning(r));
	trace_reader_close(r);
	return rc;
}

int trace_cmd_main(int argc, char **argv)
{
	int rc = trace_cmd_run(argc, argv, stdout, stderr);

	if (fflush(stdout) && !rc) {
		fprintf(stderr, "lockstep trace: writing output: %s\n", strerror(errno));
		rc = EXIT_USAGE;
	}
	return rc;
}
