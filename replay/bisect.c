/*
 * replay/bisect.c: `lockstep bisect` (replay/bisect.h, docs/compare.md §5).
 * Over firmware: the first bad image of an ordered series, by binary search
 * in O(log n) in-process boots (replay/regress.h), with a predicate: a
 * milestone reached, a semantic stream hash equal to the good image's, or a
 * user command's exit status. Over traces: diff's chain search, explained.
 */
#include "replay/bisect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay/diff.h"
#include "replay/regress.h"
#include "replay/semantic.h"

enum pred_kind { PRED_NONE, PRED_REACHES, PRED_SAME, PRED_RUN };

struct pred {
	enum pred_kind kind;
	int milestone;            /* REACHES; SAME: -1 for the whole run */
	enum sem_stream stream;   /* SAME */
	uint64_t good_hash;       /* SAME: the good image's */
	const char *cmd;          /* RUN */
};

/* Run the user's command: sh -c CMD sh FIRMWARE, with $LOCKSTEP_FIRMWARE. */
static int run_cmd(const char *cmd, const char *fw)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("LOCKSTEP_FIRMWARE", fw, 1);
		execl("/bin/sh", "sh", "-c", cmd, "sh", fw, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Evaluate the predicate on one image: 1 good, 0 bad, -1 cannot test. */
static int evaluate(const struct regress_machine *rm, struct pred *p, const char *fw, int set_good,
		    char *why, size_t len)
{
	struct sem_table t;
	enum machine_stop stop;
	char err[1024];
	int good;

	if (p->kind == PRED_RUN) {
		int st = run_cmd(p->cmd, fw);
		if (st < 0 || st == 125) {
			snprintf(why, len, "cannot test (command %s)", st < 0 ? "failed to run" : "exit 125");
			return -1;
		}
		snprintf(why, len, "command exit %d", st);
		return st == 0;
	}
	sem_table_init(&t, NULL);
	if (regress_boot(rm, fw, &t, &stop, err, sizeof(err))) {
		snprintf(why, len, "cannot boot: %s", err);
		sem_table_free(&t);
		return -1;
	}
	if (p->kind == PRED_REACHES) {
		const struct sem_segment *s = NULL;
		for (size_t i = 0; i < t.nseg && !s; i++)
			if (t.seg[i].milestone == p->milestone)
				s = &t.seg[i];
		good = s != NULL;
		if (s)
			snprintf(why, len, "reaches %s at icount %" PRIu64,
				 trace_milestone_name((enum trace_milestone)p->milestone), s->icount);
		else
			snprintf(why, len, "does not reach %s (stopped: %s)",
				 trace_milestone_name((enum trace_milestone)p->milestone),
				 machine_stop_name(stop));
	} else {
		uint64_t h = sem_table_stream_hash(&t, p->stream, p->milestone);
		if (set_good)
			p->good_hash = h;
		good = h == p->good_hash;
		snprintf(why, len, "%s hash %016" PRIx64 "%s", sem_stream_name(p->stream), h,
			 good ? " (as the good image)" : " (differs from the good image)");
	}
	sem_table_free(&t);
	return good;
}

static const char bisect_usage[] =
"usage: lockstep bisect --good FW_GOOD --bad FW_BAD PREDICATE [machine options]\n"
"                       [FW_1 ... FW_n]\n"
"       lockstep bisect --trace A.trace B.trace\n"
"\n"
"Over firmware: finds the first bad image of the ordered series\n"
"FW_GOOD, FW_1 ... FW_n, FW_BAD in O(log n) boots, printing each step.\n"
"PREDICATE (what makes an image good) is one of:\n"
"  --reaches MILESTONE       the boot reaches it (reset-vector, pam-unlock,\n"
"                            shadow-done, pam-lock, int19, boot-read, mbr,\n"
"                            exit)\n"
"  --same STREAM[@MILESTONE] the semantic stream (io, pam, int, debug,\n"
"                            milestone) hashes as in FW_GOOD, over the whole\n"
"                            boot or in the first segment of MILESTONE\n"
"  --run CMD                 sh -c CMD exits 0 (firmware path in $1 and in\n"
"                            $LOCKSTEP_FIRMWARE; 125: cannot test)\n"
"Machine options: --machine pc|isapc, -m SIZE, --disk IMG, --rtc T, --max-icount N.\n"
"\n"
"Over traces: the first divergent event of two traces, by binary search over\n"
"their chain hashes, explained step by step (as lockstep diff finds it).\n"
"\n"
"Exit status: 0 found, 1 the good image is bad or the bad image good (or the\n"
"traces differ, with --trace), 2 usage or input error, 125 an image cannot be tested.\n";

static int usage(FILE *errf, const char *msg, const char *arg)
{
	fprintf(errf, "lockstep bisect: ");
	fprintf(errf, msg, arg);
	fprintf(errf, " (try 'lockstep bisect --help')\n");
	return 2;
}

static int parse_same(const char *v, struct pred *p)
{
	char buf[64], *at;
	int s;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	at = strchr(buf, '@');
	p->milestone = -1;
	if (at) {
		*at = 0;
		p->milestone = trace_milestone_parse(at + 1);
		if (p->milestone < 0)
			return -1;
	}
	s = sem_stream_parse(buf);
	if (s < 0)
		return -1;
	p->stream = (enum sem_stream)s;
	return 0;
}

int bisect_cmd_run(int argc, char **argv, FILE *out, FILE *errf)
{
	struct regress_machine rm;
	struct pred p;
	const char *good = NULL, *bad = NULL, **list;
	int n = 0, rc = 0;
	char err[1024], why[1200];

	if (argc >= 2 && !strcmp(argv[1], "--trace")) {
		if (argc != 4)
			return usage(errf, "%s", "--trace needs exactly two traces");
		return diff_bisect_traces(argv[2], argv[3], out, errf);
	}
	regress_machine_init(&rm);
	memset(&p, 0, sizeof(p));
	list = calloc((size_t)argc + 2, sizeof(*list));
	if (!list)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(bisect_usage, out);
			goto done;
		}
		if (!strcmp(a, "--good") || !strcmp(a, "--bad") || !strcmp(a, "--reaches") ||
		    !strcmp(a, "--same") || !strcmp(a, "--run")) {
			if (!v) {
				rc = usage(errf, "%s needs a value", a);
				goto done;
			}
			i++;
			if (!strcmp(a, "--good")) {
				good = v;
				continue;
			}
			if (!strcmp(a, "--bad")) {
				bad = v;
				continue;
			}
			if (p.kind != PRED_NONE) {
				rc = usage(errf, "%s", "give one predicate (--reaches, --same or --run)");
				goto done;
			}
			if (!strcmp(a, "--reaches")) {
				p.kind = PRED_REACHES;
				p.milestone = trace_milestone_parse(v);
				if (p.milestone < 0) {
					rc = usage(errf, "unknown milestone '%s'", v);
					goto done;
				}
			} else if (!strcmp(a, "--same")) {
				p.kind = PRED_SAME;
				if (parse_same(v, &p)) {
					rc = usage(errf, "bad --same '%s' (STREAM[@MILESTONE])", v);
					goto done;
				}
			} else {
				p.kind = PRED_RUN;
				p.cmd = v;
			}
			continue;
		}
		r = regress_parse_machine_opt(&rm, argc, argv, &i, err, sizeof(err));
		if (r < 0) {
			rc = usage(errf, "%s", err);
			goto done;
		}
		if (r)
			continue;
		if (a[0] == '-' && a[1]) {
			rc = usage(errf, "unknown option '%s'", a);
			goto done;
		}
		list[1 + n++] = a;
	}
	if (!good || !bad || p.kind == PRED_NONE) {
		rc = usage(errf, "%s", !good ? "needs --good FW" : !bad ? "needs --bad FW" :
				       "needs a predicate (--reaches, --same or --run)");
		goto done;
	}
	list[0] = good;
	list[n + 1] = bad;
	fprintf(out, "bisect: %d image%s between the good and the bad one\n", n, n == 1 ? "" : "s");
	{
		int g = evaluate(&rm, &p, good, 1, why, sizeof(why));
		fprintf(out, "good %s: %s\n", good, why);
		if (g < 0) {
			rc = 125;
			goto done;
		}
		if (!g) {
			fprintf(out, "result: the good image does not pass the test\n");
			rc = 1;
			goto done;
		}
		g = evaluate(&rm, &p, bad, 0, why, sizeof(why));
		fprintf(out, "bad %s: %s\n", bad, why);
		if (g < 0) {
			rc = 125;
			goto done;
		}
		if (g) {
			fprintf(out, "result: the bad image passes the test\n");
			rc = 1;
			goto done;
		}
	}
	{
		int lo = 0, hi = n + 1, step = 0;   /* list[lo] good, list[hi] bad */
		while (hi - lo > 1) {
			int mid = lo + (hi - lo) / 2;
			int g = evaluate(&rm, &p, list[mid], 0, why, sizeof(why));
			fprintf(out, "step %d: [%d..%d] #%d %s: %s -> %s\n", ++step, lo, hi, mid,
				list[mid], why, g < 0 ? "cannot test" : g ? "good" : "bad");
			if (g < 0) {
				rc = 125;
				goto done;
			}
			if (g)
				lo = mid;
			else
				hi = mid;
		}
		fprintf(out, "first bad: #%d %s (the last good: #%d %s)\n", hi, list[hi], lo, list[lo]);
	}
done:
	free(list);
	return rc;
}

int bisect_cmd_main(int argc, char **argv)
{
	return bisect_cmd_run(argc, argv, stdout, stderr);
}
