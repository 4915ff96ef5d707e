/*
 * replay/regress.c: in-process firmware boots into semantic tables, and the
 * golden file of `lockstep regress` (replay/regress.h, docs/compare.md §4).
 * Golden file: plain text, one line per firmware, segment and stream:
 *     firmware NAME size=N xxh128=HEX          (the image; informational)
 *     NAME stop REASON                         (why the boot ended)
 *     NAME SEGMENT STREAM COUNT HASH           (e.g. "testfw.rom 0:pam-lock io 16 d66c...")
 */
#include "replay/regress.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/observer.h"
#include "replay/trace_config.h"

void regress_machine_init(struct regress_machine *rm)
{
	memset(rm, 0, sizeof(*rm));
	config_init(&rm->cfg);
	rm->cfg.serial = "none";
	rm->cfg.debugcon = "none";
	rm->max_icount = REGRESS_DEFAULT_MAX_ICOUNT;
}

int regress_parse_machine_opt(struct regress_machine *rm, int argc, char **argv, int *i,
			      char *err, size_t errlen)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	int known = !strcmp(a, "--machine") || !strcmp(a, "-m") || !strcmp(a, "--disk") ||
		    !strcmp(a, "--rtc") || !strcmp(a, "--max-icount");

	if (!known)
		return 0;
	if (!v) {
		snprintf(err, errlen, "%s needs a value", a);
		return -1;
	}
	(*i)++;
	if (!strcmp(a, "--machine"))
		return config_parse_machine(v, &rm->cfg.kind, err, errlen) ? -1 : 1;
	if (!strcmp(a, "-m"))
		return config_parse_ram(v, &rm->cfg.ram_size, err, errlen) ? -1 : 1;
	if (!strcmp(a, "--rtc"))
		return config_parse_rtc(v, &rm->cfg.rtc_start, err, errlen) ? -1 : 1;
	if (!strcmp(a, "--disk")) {
		if (rm->cfg.ndisks == CONFIG_MAX_DISKS) {
			snprintf(err, errlen, "at most %d disks", CONFIG_MAX_DISKS);
			return -1;
		}
		rm->cfg.disks[rm->cfg.ndisks++] = v;
		return 1;
	}
	{
		char *end;
		errno = 0;
		rm->max_icount = strtoull(v, &end, 0);
		if (errno || *end || !*v || *v == '-' || rm->max_icount == 0) {
			snprintf(err, errlen, "bad --max-icount '%s'", v);
			return -1;
		}
	}
	return 1;
}

static void on_event(void *opaque, const struct trace_event *ev)
{
	sem_table_feed(opaque, ev);
}

int regress_boot(const struct regress_machine *rm, const char *firmware, struct sem_table *t,
		 enum machine_stop *why, char *err, size_t errlen)
{
	struct machine_config cfg = rm->cfg;
	struct machine_options mo;
	struct observer obs;
	struct machine *m;
	char e[768], path[4096];

	if (access(firmware, R_OK)) {
		snprintf(err, errlen, "%s: %s", firmware, strerror(errno));
		return -1;
	}
	/* A path, never a name for the firmware search path. */
	if (!strchr(firmware, '/')) {
		if (strlen(firmware) + 3 > sizeof(path)) {
			snprintf(err, errlen, "%s: name too long", firmware);
			return -1;
		}
		snprintf(path, sizeof(path), "./%s", firmware);
		firmware = path;
	}
	cfg.bios = firmware;
	memset(&mo, 0, sizeof(mo));
	mo.icount_cap = rm->max_icount;
	m = machine_new(&cfg, &mo, e, sizeof(e));
	if (!m) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	if (observer_attach(&obs, m, on_event, t)) {
		snprintf(err, errlen, "no free machine hook slot");
		machine_free(m);
		return -1;
	}
	observer_emit_power_on(&obs);
	*why = machine_run(m, NULL);
	observer_detach(&obs);
	machine_free(m);
	if (sem_table_finish(t)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- golden files ---- */

struct gline {
	char *key;     /* "NAME SEGMENT STREAM", "NAME stop", "firmware NAME" */
	char *value;
	int seen;
};

struct golden {
	struct gline *l;
	size_t n, cap;
};

static void golden_free(struct golden *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->l[i].key);
		free(g->l[i].value);
	}
	free(g->l);
	memset(g, 0, sizeof(*g));
}

static int golden_add(struct golden *g, const char *key, const char *value)
{
	if (g->n == g->cap) {
		size_t n = g->cap ? g->cap * 2 : 64;
		struct gline *p = realloc(g->l, n * sizeof(*p));
		if (!p)
			return -1;
		g->l = p;
		g->cap = n;
	}
	g->l[g->n].key = strdup(key);
	g->l[g->n].value = strdup(value);
	g->l[g->n].seen = 0;
	if (!g->l[g->n].key || !g->l[g->n].value) {
		free(g->l[g->n].key);
		free(g->l[g->n].value);
		return -1;
	}
	g->n++;
	return 0;
}

/* Split a line into key and value: the value is the part after the key's
 * fields (3 for segment lines, 2 for stop and firmware lines). */
static int golden_parse_line(char *line, char **key, char **value)
{
	int fields = !strncmp(line, "firmware ", 9) ? 2 : 3;
	char *p = line;

	if (fields == 3) {
		char *sp1 = strchr(line, ' ');
		if (sp1 && !strncmp(sp1 + 1, "stop ", 5))
			fields = 2;
	}
	for (int f = 0; f < fields; f++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		if (f + 1 < fields)
			p++;
	}
	*p = 0;
	*key = line;
	*value = p + 1;
	return **value ? 0 : -1;
}

/* What the segments of a golden file are cut at: 1 (no version line) before
 * the shadow-done milestone, 2 with it. An older file would report every
 * firmware as changed, so it is refused with the way out. */
#define GOLDEN_VERSION 2

static int golden_read(struct golden *g, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0, version = 1;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		char *k, *v;
		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (!n || line[0] == '#')
			continue;
		if (!strncmp(line, "golden-version ", 15)) {
			version = atoi(line + 15);
			continue;
		}
		if (golden_parse_line(line, &k, &v) || golden_add(g, k, v)) {
			snprintf(err, errlen, "%s:%d: bad golden line", path, lineno);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (version != GOLDEN_VERSION) {
		snprintf(err, errlen, "%s: golden file version %d, this lockstep writes version %d "
			 "(segments now split at shadow-done): check the images with the lockstep "
			 "that wrote it, then rewrite it with --update", path, version, GOLDEN_VERSION);
		return -1;
	}
	return 0;
}

static struct gline *golden_find(struct golden *g, const char *key)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->l[i].key, key))
			return &g->l[i];
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The golden lines of one boot. */
static int golden_of_boot(struct golden *g, const char *fw, const struct sem_table *t,
			  enum machine_stop why, char *err, size_t errlen)
{
	const char *name = base_name(fw);
	char key[256], value[128], seg[64];
	uint8_t hash[16];
	uint64_t size;

	if (trace_hash_file(fw, hash, &size, err, errlen))
		return -1;
	snprintf(key, sizeof(key), "firmware %s", name);
	snprintf(value, sizeof(value), "size=%" PRIu64 " xxh128=", size);
	for (int i = 0; i < 16; i++)
		snprintf(value + strlen(value), sizeof(value) - strlen(value), "%02x", hash[i]);
	if (golden_add(g, key, value))
		goto oom;
	snprintf(key, sizeof(key), "%s stop", name);
	if (golden_add(g, key, machine_stop_name(why)))
		goto oom;
	for (size_t i = 0; i < t->nseg; i++) {
		sem_segment_name(&t->seg[i], seg, sizeof(seg));
		for (int s = 0; s < SEM_NSTREAMS; s++) {
			snprintf(key, sizeof(key), "%s %s %s", name, seg,
				 sem_stream_name((enum sem_stream)s));
			snprintf(value, sizeof(value), "%" PRIu64 " %016" PRIx64, t->seg[i].count[s],
				 t->seg[i].hash[s]);
			if (golden_add(g, key, value))
				goto oom;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int golden_write(const struct golden *g, const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "# lockstep regress golden file (docs/compare.md): written by "
		   "`lockstep regress --update`\n"
		   "# firmware NAME size=BYTES xxh128=HASH | NAME stop REASON | "
		   "NAME SEGMENT STREAM COUNT HASH\n"
		   "golden-version %d\n", GOLDEN_VERSION);
	for (size_t i = 0; i < g->n; i++)
		fprintf(f, "%s %s\n", g->l[i].key, g->l[i].value);
	if (fclose(f) || rename(tmp, path)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static const char regress_usage[] =
"usage: lockstep regress --golden FILE [--update] [machine options] FIRMWARE...\n"
"\n"
"Boots each firmware image on the same machine and disks (no trace file),\n"
"hashes its semantic streams (io, pam, int, debug, milestone) per segment\n"
"(boot, milestone), and compares them with the golden file: one line per\n"
"firmware, segment and stream. Prints unchanged/changed/new/missing per image.\n"
"\n"
"  --golden FILE      the golden file (plain text, diffable)\n"
"  --update           rewrite it from this run (for exactly these images)\n"
"  --machine pc|isapc, -m SIZE, --disk IMG, --rtc YYYY-MM-DDTHH:MM:SS\n"
"  --max-icount N     stop each boot after N instructions (default 200000000)\n"
"\n"
"Exit status: 0 unchanged or updated, 1 changed, 2 usage or input error,\n"
"125 a firmware image cannot be booted (for `git bisect run`).\n";

static int usage(FILE *errf, const char *msg, const char *arg)
{
	fprintf(errf, "lockstep regress: ");
	fprintf(errf, msg, arg);
	fprintf(errf, " (try 'lockstep regress --help')\n");
	return 2;
}

int regress_cmd_run(int argc, char **argv, FILE *out, FILE *errf)
{
	struct regress_machine rm;
	struct golden old, now;
	const char *golden = NULL;
	const char **fw;
	int nfw = 0, update = 0, rc = 0;
	char err[1024];
	uint64_t total_changes = 0;

	regress_machine_init(&rm);
	memset(&old, 0, sizeof(old));
	memset(&now, 0, sizeof(now));
	fw = calloc((size_t)argc + 1, sizeof(*fw));
	if (!fw)
		return 2;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(regress_usage, out);
			free(fw);
			return 0;
		}
		if (!strcmp(argv[i], "--golden")) {
			if (i + 1 >= argc) {
				free(fw);
				return usage(errf, "%s", "--golden needs a value");
			}
			golden = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--update")) {
			update = 1;
			continue;
		}
		r = regress_parse_machine_opt(&rm, argc, argv, &i, err, sizeof(err));
		if (r < 0) {
			free(fw);
			return usage(errf, "%s", err);
		}
		if (r)
			continue;
		if (argv[i][0] == '-' && argv[i][1]) {
			free(fw);
			return usage(errf, "unknown option '%s'", argv[i]);
		}
		fw[nfw++] = argv[i];
	}
	if (!golden || !nfw) {
		free(fw);
		return usage(errf, "%s", !golden ? "needs --golden FILE" : "needs a firmware image");
	}
	for (int i = 0; i < nfw; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(base_name(fw[i]), base_name(fw[j]))) {
				rc = usage(errf, "two images named '%s'", base_name(fw[i]));
				free(fw);
				return rc;
			}
	if (!update && golden_read(&old, golden, err, sizeof(err))) {
		fprintf(errf, "lockstep regress: %s\n", err);
		free(fw);
		return 2;
	}
	fprintf(out, "%-24s %9s %7s %4s %7s  %s\n", "firmware", "unchanged", "changed", "new",
		"missing", "stop");
	for (int i = 0; i < nfw; i++) {
		struct sem_table t;
		enum machine_stop why;
		size_t first = now.n;
		uint64_t unchanged = 0, changed = 0, added = 0, missing = 0;
		char prefix[300];

		sem_table_init(&t, NULL);
		if (regress_boot(&rm, fw[i], &t, &why, err, sizeof(err))) {
			fprintf(errf, "lockstep regress: cannot boot %s: %s\n", fw[i], err);
			sem_table_free(&t);
			rc = 125;
			goto out;
		}
		if (golden_of_boot(&now, fw[i], &t, why, err, sizeof(err))) {
			fprintf(errf, "lockstep regress: %s\n", err);
			sem_table_free(&t);
			rc = 2;
			goto out;
		}
		sem_table_free(&t);
		if (update) {
			fprintf(out, "%-24s %9s %7s %4zu %7s  %s\n", base_name(fw[i]), "-", "-",
				now.n - first, "-", machine_stop_name(why));
			continue;
		}
		for (size_t k = first; k < now.n; k++) {
			struct gline *g = golden_find(&old, now.l[k].key);
			int info = !strncmp(now.l[k].key, "firmware ", 9);
			if (g)
				g->seen = 1;
			if (info) {
				/* A different image that behaves the same is no change. */
				if (!g || strcmp(g->value, now.l[k].value))
					fprintf(out, "  image %s: %s (was %s)\n", base_name(fw[i]),
						now.l[k].value, g ? g->value : "not in the golden file");
				continue;
			}
			if (g && !strcmp(g->value, now.l[k].value)) {
				unchanged++;
				continue;
			}
			if (g)
				changed++;
			else
				added++;
		}
		snprintf(prefix, sizeof(prefix), "%s ", base_name(fw[i]));
		for (size_t k = 0; k < old.n; k++)
			if (!old.l[k].seen && !strncmp(old.l[k].key, prefix, strlen(prefix)))
				missing++;
		fprintf(out, "%-24s %9" PRIu64 " %7" PRIu64 " %4" PRIu64 " %7" PRIu64 "  %s\n",
			base_name(fw[i]), unchanged, changed, added, missing, machine_stop_name(why));
		total_changes += changed + added + missing;
	}
	if (update) {
		if (golden_write(&now, golden, err, sizeof(err))) {
			fprintf(errf, "lockstep regress: %s\n", err);
			rc = 2;
			goto out;
		}
		fprintf(out, "updated %s: %zu lines\n", golden, now.n);
		goto out;
	}
	/* The details, in golden-file order. */
	for (size_t k = 0; k < now.n; k++) {
		struct gline *g = golden_find(&old, now.l[k].key);
		if (!strncmp(now.l[k].key, "firmware ", 9))
			continue;
		if (!g)
			fprintf(out, "new: %s %s\n", now.l[k].key, now.l[k].value);
		else if (strcmp(g->value, now.l[k].value))
			fprintf(out, "changed: %s: %s -> %s\n", now.l[k].key, g->value, now.l[k].value);
	}
	for (int i = 0; i < nfw; i++) {
		char prefix[300];
		snprintf(prefix, sizeof(prefix), "%s ", base_name(fw[i]));
		for (size_t k = 0; k < old.n; k++)
			if (!old.l[k].seen && !strncmp(old.l[k].key, prefix, strlen(prefix)))
				fprintf(out, "missing: %s %s\n", old.l[k].key, old.l[k].value);
	}
	fprintf(out, "result: %s\n", total_changes ? "changed" : "unchanged");
	rc = total_changes ? 1 : 0;
out:
	golden_free(&old);
	golden_free(&now);
	free(fw);
	return rc;
}

int regress_cmd_main(int argc, char **argv)
{
	return regress_cmd_run(argc, argv, stdout, stderr);
}
