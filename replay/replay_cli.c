/*
 * replay/replay_cli.c: the `lockstep replay` subcommand (replay/replayer.h):
 * argument parsing and the one-line outcome.
 */
#include "replay/replayer.h"

#include <stdio.h>
#include <string.h>

#include "machine/config.h"

const char replay_usage[] =
	"usage: lockstep replay FILE [--no-verify] [--until EVENT] [--no-keyframes]\n"
	"                            [--serial stdio|none|file:PATH] [--debugcon stdio|none|file:PATH]\n"
	"       lockstep replay FILE --monitor [-x FILE] [--batch] [--gdb tcp:HOST:PORT]\n"
	"                            [--no-verify] [--no-keyframes] [--serial ...] [--debugcon ...]\n"
	"  Rebuilds the recorded machine, injects the recorded input and checks every\n"
	"  checkpoint. EVENT: mbr, int19, halt, exit, icount=N, vtime=T.\n"
	"  --monitor starts the replayed machine stopped at the reset vector, at the\n"
	"  monitor prompt (docs/monitor.md): continue, step and breakpoints go on\n"
	"  injecting input and verifying checkpoints; reverse-step, reverse-continue,\n"
	"  goto icount N and when travel in the recorded history; --gdb adds gdb's\n"
	"  reverse-stepi/reverse-continue. -x and --batch as for 'lockstep monitor'.\n"
	"  Exit status: 0 verified, 1 diverged, 2 bad input, 3 guest dead, v guest exit code;\n"
	"  with --monitor: quit N gives N, else 1 if it diverged or a scripted command\n"
	"  failed, else 0.\n";

int replay_cmd_run(int argc, char **argv, FILE *out, FILE *errf)
{
	struct replay_options o;
	struct replay_result res;
	const char *path = NULL;
	char err[512];

	replay_options_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(replay_usage, out);
			return 0;
		} else if (!strcmp(a, "--no-verify")) {
			o.verify = 0;
		} else if (!strcmp(a, "--no-keyframes")) {
			o.use_keyframes = 0;
		} else if (!strcmp(a, "--until") || !strncmp(a, "--until=", 8)) {
			const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || machine_parse_until(v, &o.until, err, sizeof(err))) {
				fprintf(errf, "lockstep replay: %s\n", v ? err : "--until needs a value");
				return 2;
			}
		} else if (!strcmp(a, "--serial") || !strcmp(a, "--debugcon")) {
			const char *v = i + 1 < argc ? argv[++i] : NULL;
			if (!v || config_check_chardev(a, v, err, sizeof(err))) {
				fprintf(errf, "lockstep replay: %s\n", v ? err : "option needs a value");
				return 2;
			}
			if (a[2] == 's')
				o.serial = v;
			else
				o.debugcon = v;
		} else if (a[0] == '-' && a[1]) {
			fprintf(errf, "lockstep replay: unknown option '%s' (try 'lockstep replay --help')\n", a);
			return 2;
		} else if (!path) {
			path = a;
		} else {
			fprintf(errf, "lockstep replay: more than one trace given (%s)\n", a);
			return 2;
		}
	}
	if (!path) {
		fprintf(errf, "lockstep replay: no trace given (try 'lockstep replay --help')\n");
		return 2;
	}
	replay_trace(path, &o, &res);
	if (res.status == 2)
		fprintf(errf, "lockstep replay: %s\n", res.message);
	else
		fprintf(errf, "lockstep replay: %s: %s\n", path, res.message);
	return res.status;
}

int replay_cmd_main(int argc, char **argv)
{
	return replay_cmd_run(argc, argv, stdout, stderr);
}
