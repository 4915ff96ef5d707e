/*
 * lockstep.c: the command-line front end. Dispatches subcommands, parses
 * machine options (DESIGN.md §4) and maps every outcome onto the exit-status
 * convention below. Errors are one line on stderr.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "debugger/debugger.h"
#include "machine/config.h"
#include "machine/console.h"
#include "machine/machine.h"
#include "machine/state.h"
#include "mem/firmware.h"
#include "replay/bisect.h"
#include "replay/diff.h"
#include "replay/recorder.h"
#include "replay/regress.h"
#include "replay/replayer.h"
#include "replay/trace_cli.h"

enum {
	EXIT_OK = 0,      /* success, target reached, no difference */
	EXIT_FOUND = 1,   /* a difference or failure the user asked about */
	EXIT_USAGE = 2,   /* usage or input error */
	EXIT_DEAD = 3,    /* guest dead or hung */
};

static const char *prog = "lockstep";

static const char global_help[] =
"usage: lockstep COMMAND [OPTIONS]\n"
"       lockstep --help | --version | help COMMAND\n"
"\n"
"A deterministic x86 PC emulator for firmware debugging: boot real BIOS images\n"
"on an emulated i440fx PC, record boots into traces, replay and compare them.\n"
"\n"
"Commands:\n"
"  run       boot a machine (default: system SeaBIOS with the demo disk)\n"
"  replay    replay a recorded trace and verify it (--monitor: debug it,\n"
"            also backwards)\n"
"  trace     show or summarise a trace (trace show|stats FILE)\n"
"  diff      find the first divergence between two traces\n"
"  regress   compare firmware boots against a golden file\n"
"  bisect    find the first divergent event or the first bad firmware\n"
"  monitor   start a machine stopped at the reset vector, at a prompt\n"
"\n"
"Run 'lockstep COMMAND --help' for a command's options.\n"
"\n"
"Exit status:\n"
"  0    success: target reached, guest wrote 0 to port 0xF4 or powered off,\n"
"       no difference found\n"
"  1    a difference or failure you asked about (diff, regress, replay divergence)\n"
"  2    usage or input error (bad option, missing or invalid file)\n"
"  3    the guest is dead or hung (cli; hlt, icount cap, reset loop)\n"
"  125  cannot test (for git bisect run)\n"
"  130  run stopped by SIGINT, SIGTERM or SIGHUP (a recording is finished first)\n"
"  v    run/replay: the guest wrote v != 0 to port 0xF4\n"
"\n"
"Environment:\n"
"  LOCKSTEP_FIRMWARE_PATH  colon-separated directories searched for firmware\n"
"                          and guest images before the built-in search path\n";

static const char machine_opts_help[] =
"Machine options:\n"
"  --bios FILE          BIOS image (default: bios.bin from the firmware search path)\n"
"  --machine pc|isapc   board (default pc: i440FX + PIIX3)\n"
"  -m SIZE              RAM, 1M to 3.5G (default 128M; a bare number is MiB)\n"
"  --disk IMG           raw disk image (repeatable: master, then slave)\n"
"  --serial stdio|file:PATH|none   COM1 (default stdio)\n"
"  --debugcon stdio|file:PATH|none ports 0x402 and 0xE9 (default none)\n"
"  --option-rom FILE    option ROM served through fw_cfg (repeatable)\n"
"  --rtc YYYY-MM-DDTHH:MM:SS  RTC start time, UTC (default 2000-01-01T00:00:00)\n"
"  --kernel FILE        boot a multiboot kernel without a BIOS\n";

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	/* Help text, for the commands whose options parse_common() parses; the
	 * others print their own. */
	const char *usage;
	const char *help;
	int machine_opts;
};

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s%s%s: ", prog, cmd ? " " : "", cmd ? cmd : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try '%s%s%s --help')\n", prog, cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

static const struct command *find_command(const char *name);

static void print_command_help(const struct command *c, FILE *f)
{
	fprintf(f, "usage: %s\n\n%s", c->usage, c->help);
	if (c->machine_opts)
		fprintf(f, "\n%s", machine_opts_help);
	fprintf(f, "\nExit status: see 'lockstep --help'.\n");
}

/* Options shared by every subcommand that builds a machine. */
enum {
	OPT_BIOS = 256, OPT_MACHINE, OPT_DISK, OPT_SERIAL, OPT_DEBUGCON, OPT_OPTION_ROM,
	OPT_RTC, OPT_KERNEL, OPT_RECORD, OPT_UNTIL, OPT_MONITOR, OPT_HELP,
	OPT_NO_VERIFY, OPT_EVENTS, OPT_FROM, OPT_TO, OPT_STREAMS, OPT_GOLDEN, OPT_UPDATE,
	OPT_SERIAL_RAW, OPT_LOG, OPT_DISK_MODE, OPT_TRACE_IO, OPT_CHECKPOINT_EVERY,
	OPT_SNAPSHOT_EVERY, OPT_INPUT, OPT_BATCH, OPT_GDB,
};

#define MACHINE_LONGOPTS \
	{ "bios", required_argument, 0, OPT_BIOS }, \
	{ "machine", required_argument, 0, OPT_MACHINE }, \
	{ "disk", required_argument, 0, OPT_DISK }, \
	{ "serial", required_argument, 0, OPT_SERIAL }, \
	{ "debugcon", required_argument, 0, OPT_DEBUGCON }, \
	{ "option-rom", required_argument, 0, OPT_OPTION_ROM }, \
	{ "rtc", required_argument, 0, OPT_RTC }, \
	{ "kernel", required_argument, 0, OPT_KERNEL }

/* Applies one machine option; returns 0, or EXIT_USAGE after printing the error,
 * or 1 when opt is not a machine option. */
static int machine_option(const char *cmd, struct machine_config *cfg, int opt, const char *arg)
{
	char err[512];
	int r = 0;

	switch (opt) {
	case OPT_BIOS: cfg->bios = arg; break;
	case OPT_MACHINE: r = config_parse_machine(arg, &cfg->kind, err, sizeof(err)); break;
	case 'm': r = config_parse_ram(arg, &cfg->ram_size, err, sizeof(err)); break;
	case OPT_DISK:
		if (cfg->ndisks == CONFIG_MAX_DISKS) {
			snprintf(err, sizeof(err), "--disk %s: at most %d disks", arg, CONFIG_MAX_DISKS);
			r = -1;
		} else
			cfg->disks[cfg->ndisks++] = arg;
		break;
	case OPT_SERIAL:
		r = config_check_chardev("--serial", arg, err, sizeof(err));
		cfg->serial = arg;
		break;
	case OPT_DEBUGCON:
		r = config_check_chardev("--debugcon", arg, err, sizeof(err));
		cfg->debugcon = arg;
		break;
	case OPT_OPTION_ROM:
		if (cfg->noption_roms == CONFIG_MAX_OPTION_ROMS) {
			snprintf(err, sizeof(err), "--option-rom %s: at most %d option ROMs", arg,
				 CONFIG_MAX_OPTION_ROMS);
			r = -1;
		} else
			cfg->option_roms[cfg->noption_roms++] = arg;
		break;
	case OPT_RTC: r = config_parse_rtc(arg, &cfg->rtc_start, err, sizeof(err)); break;
	case OPT_KERNEL: cfg->kernel = arg; break;
	default: return 1;
	}
	if (r) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
		return EXIT_USAGE;
	}
	return 0;
}

/* Validate files named by the configuration before anything runs. */
static int machine_check_files(const char *cmd, struct machine_config *cfg)
{
	char err[1024];
	uint8_t *data;
	uint64_t size;
	char *path;

	if (cfg->kernel)
		return 0;
	path = firmware_find(cfg->bios ? cfg->bios : "bios.bin", err, sizeof(err));
	if (!path || firmware_load_bios(path, &data, &size, err, sizeof(err))) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
		free(path);
		return EXIT_USAGE;
	}
	free(data);
	free(path);
	return 0;
}

/* Parses argv for a subcommand; handles --help and unknown options. Returns
 * -1 to continue, or an exit status. */
static int parse_common(const char *cmd, int argc, char **argv, const struct option *lo,
			const char *so, struct machine_config *cfg,
			int (*extra)(int opt, const char *arg, void *ctx), void *ctx)
{
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		int r;
		if (opt == OPT_HELP) {
			print_command_help(find_command(cmd), stdout);
			return EXIT_OK;
		}
		if (opt == '?') {
			if (optopt && optopt < 256)
				return usage_error(cmd, "unknown or incomplete option '-%c'",
						   (char[]){ (char)optopt, 0 });
			return usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
		if (opt == ':')
			return usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
		if (cfg && (r = machine_option(cmd, cfg, opt, optarg)) != 1) {
			if (r)
				return r;
			continue;
		}
		if (extra && (r = extra(opt, optarg, ctx)) >= 0)
			return r;
	}
	return -1;
}

/* The machine a signal handler stops: the front end's one piece of global
 * state, outside the emulation path. */
static struct machine *running_machine;

static void on_signal(int sig)
{
	if (running_machine)
		machine_request_stop(running_machine, sig);
}

struct run_opts {
	const char *cmd;
	struct machine_until until;
	struct machine_options mopt;
	struct recorder_options ro;
	const char *record;
	const char *record_only;      /* a recording option given, for the error */
	int monitor;
	struct monitor_options mon;
};

static int parse_count(const struct run_opts *o, const char *opt, const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(arg, &end, 0);

	if (!*arg || *arg == '-' || *end || v == 0) {
		fprintf(stderr, "%s %s: %s %s: expected a positive number of instructions\n",
			prog, o->cmd, opt, arg);
		return EXIT_USAGE;
	}
	*out = v;
	return -1;
}

static int run_extra(int opt, const char *arg, void *vctx)
{
	struct run_opts *o = vctx;
	char err[256];

	switch (opt) {
	case OPT_UNTIL:
		if (machine_parse_until(arg, &o->until, err, sizeof(err))) {
			fprintf(stderr, "%s %s: %s\n", prog, o->cmd, err);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_RECORD: o->record = arg; return -1;
	case OPT_TRACE_IO:
		o->record_only = "--trace-io";
		if (recorder_parse_trace_io(arg, err, sizeof(err))) {
			fprintf(stderr, "%s %s: %s\n", prog, o->cmd, err);
			return EXIT_USAGE;
		}
		o->ro.trace_io = arg;
		return -1;
	case OPT_CHECKPOINT_EVERY:
		o->record_only = "--checkpoint-every";
		return parse_count(o, o->record_only, arg, &o->ro.checkpoint_every);
	case OPT_SNAPSHOT_EVERY:
		o->record_only = "--snapshot-every";
		return parse_count(o, o->record_only, arg, &o->ro.snapshot_every);
	case OPT_INPUT:
		o->record_only = "--input";
		o->ro.input_path = arg;
		return -1;
	case OPT_MONITOR: o->monitor = 1; return -1;
	case 'x': o->mon.script = arg; return -1;
	case OPT_BATCH: o->mon.batch = 1; return -1;
	case OPT_GDB: o->mon.gdb = arg; return -1;
	case OPT_SERIAL_RAW: o->mopt.serial_raw = 1; return -1;
	case OPT_LOG:
		if (strcmp(arg, "unimp")) {
			fprintf(stderr, "%s %s: --log %s: known log topics: unimp\n", prog, o->cmd, arg);
			return EXIT_USAGE;
		}
		o->mopt.log_unimp = 1;
		return -1;
	case OPT_DISK_MODE:
		if (!strcmp(arg, "rw"))
			o->mopt.disk_rw = 1;
		else if (strcmp(arg, "snapshot")) {
			fprintf(stderr, "%s %s: --disk-mode %s: expected snapshot or rw\n", prog,
				o->cmd, arg);
			return EXIT_USAGE;
		}
		return -1;
	}
	return -1;
}

/* Default disk: the demo disk from pc-bios/ (found through the search path). */
static int default_disk(const char *cmd, struct machine_config *cfg, char **owned)
{
	char err[1024];

	if (cfg->ndisks || cfg->kernel)
		return 0;
	*owned = firmware_find("demo.img", err, sizeof(err));
	if (!*owned) {
		fprintf(stderr, "%s %s: no --disk given and the demo disk is missing: %s\n",
			prog, cmd, err);
		return EXIT_USAGE;
	}
	cfg->disks[cfg->ndisks++] = *owned;
	return 0;
}

/* The interactive console: with a person typing, virtual time must not race
 * ahead of the wall clock, or a guest waiting for a key would sleep through
 * hours of virtual time in a second. The run goes in 10 ms slices of virtual
 * time and waits for the host clock after each; keys typed meanwhile become
 * recorded input at that icount. Host time decides only when input arrives,
 * never what the guest does with it, so replay stays exact. */
#define PACE_SLICE_NS 10000000ull

static enum machine_stop run_interactive(struct machine *m, struct recorder *rec,
					 const struct machine_until *until, struct console *con,
					 int *want_monitor)
{
	struct timespec t0, now;
	uint64_t v0 = machine_vtime(m);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint64_t cap = machine_vtime_cap(m), step = machine_vtime(m) + PACE_SLICE_NS;
		int paced = until->kind != UNTIL_VTIME && step < cap;
		enum console_action act;
		enum machine_stop why;
		uint8_t keys[256];
		size_t n;

		if (paced)
			machine_set_vtime_cap(m, step);
		why = rec ? recorder_run(rec, until) : machine_run(m, until);
		machine_set_vtime_cap(m, cap);
		if (!paced || why != MACHINE_STOP_VTIME_CAP)
			return why;
		machine_flush_output(m);
		clock_gettime(CLOCK_MONOTONIC, &now);
		uint64_t host = (uint64_t)(now.tv_sec - t0.tv_sec) * 1000000000ull + now.tv_nsec - t0.tv_nsec;
		uint64_t guest = machine_vtime(m) - v0;
		if (guest > host) {
			uint64_t wait = guest - host < PACE_SLICE_NS ? guest - host : PACE_SLICE_NS;
			struct timespec ts = { 0, (long)wait };
			nanosleep(&ts, NULL);
		}
		n = console_poll(con, keys, sizeof(keys), &act);
		if (n) {
			if (rec)
				recorder_inject_serial(rec, keys, n);
			else
				machine_inject_serial(m, keys, n);
		}
		if (act == CONSOLE_QUIT)
			return MACHINE_STOP_REQUEST;
		if (act == CONSOLE_MONITOR) {
			*want_monitor = 1;
			return MACHINE_STOP_REQUEST;
		}
	}
}

static int stop_status(struct machine *m, enum machine_stop why)
{
	switch (why) {
	case MACHINE_STOP_UNTIL:
	case MACHINE_STOP_POWEROFF:
	case MACHINE_STOP_REQUEST:
		return EXIT_OK;
	case MACHINE_STOP_EXIT:
		return machine_exit_value(m);
	case MACHINE_STOP_SIGNAL:
		return 130;
	default:
		return EXIT_DEAD;
	}
}

/* The monitor on m (recording through rec when given); then the recording
 * is finished and everything freed. Returns the exit status. monitor_main
 * handles SIGTERM and SIGHUP itself (it stops the guest, leaves the prompt
 * and returns 130), so the recording is finished here either way. */
static int monitor_and_finish(const char *cmd, struct machine *m, struct recorder *rec,
			      struct run_opts *o, char *demo)
{
	char banner[4200], err[1024];
	int r;

	o->mon.recorder = rec;
	if (rec) {
		snprintf(banner, sizeof(banner), "lockstep monitor: recording to %s; the machine is "
			 "stopped; help lists the commands", o->record);
		o->mon.banner = banner;
	}
	r = monitor_main(m, &o->mon);
	if (rec && recorder_finish(rec, MACHINE_STOP_REQUEST, err, sizeof(err))) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
		r = EXIT_USAGE;
	}
	machine_free(m);
	free(demo);
	return r;
}

static int cmd_run_like(const char *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		MACHINE_LONGOPTS,
		{ "record", required_argument, 0, OPT_RECORD },
		{ "until", required_argument, 0, OPT_UNTIL },
		{ "monitor", no_argument, 0, OPT_MONITOR },
		{ "serial-raw", no_argument, 0, OPT_SERIAL_RAW },
		{ "log", required_argument, 0, OPT_LOG },
		{ "disk-mode", required_argument, 0, OPT_DISK_MODE },
		{ "trace-io", required_argument, 0, OPT_TRACE_IO },
		{ "checkpoint-every", required_argument, 0, OPT_CHECKPOINT_EVERY },
		{ "snapshot-every", required_argument, 0, OPT_SNAPSHOT_EVERY },
		{ "input", required_argument, 0, OPT_INPUT },
		{ "batch", no_argument, 0, OPT_BATCH },
		{ "gdb", required_argument, 0, OPT_GDB },
		{ "help", no_argument, 0, OPT_HELP },
		{ 0, 0, 0, 0 },
	};
	struct machine_config cfg;
	struct run_opts o = { .cmd = cmd };
	struct recorder *rec = NULL;
	struct machine *m;
	enum machine_stop why;
	char err[1024], summary[256];
	char *demo = NULL;
	struct console *con;
	int r, monitoring, want_monitor = 0;

	config_init(&cfg);
	recorder_options_init(&o.ro);
	o.ro.version = LS_VERSION;
	if ((r = parse_common(cmd, argc, argv, lo, ":m:x:", &cfg, run_extra, &o)) >= 0)
		return r;
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if ((r = machine_check_files(cmd, &cfg)))
		return r;
	monitoring = o.monitor || !strcmp(cmd, "monitor");
	if (!monitoring && (o.mon.script || o.mon.batch || o.mon.gdb)) {
		fprintf(stderr, "%s %s: -x, --batch and --gdb need --monitor\n", prog, cmd);
		return EXIT_USAGE;
	}
	if (!o.record && o.record_only) {
		fprintf(stderr, "%s %s: %s needs --record FILE\n", prog, cmd, o.record_only);
		return EXIT_USAGE;
	}
	o.ro.disk_rw = o.mopt.disk_rw;
	if ((r = default_disk(cmd, &cfg, &demo)))
		return r;
	m = machine_new(&cfg, &o.mopt, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
		free(demo);
		return EXIT_USAGE;
	}
	if (o.record && !(rec = recorder_attach(m, &cfg, o.record, &o.ro, err, sizeof(err)))) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
		machine_free(m);
		free(demo);
		return EXIT_USAGE;
	}
	if (monitoring)
		return monitor_and_finish(cmd, m, rec, &o, demo);
	running_machine = m;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	/* A terminal on stdin and the console on stdout: keys go to COM1. */
	con = !strcmp(cfg.serial, "stdio") ? console_open() : NULL;
	if (con)
		why = run_interactive(m, rec, &o.until, con, &want_monitor);
	else
		why = rec ? recorder_run(rec, &o.until) : machine_run(m, &o.until);
	console_close(con);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	running_machine = NULL;
	if (want_monitor) {
		/* Ctrl-A c: the monitor takes over the running machine (and the
		 * recording, which records its writes and ends when it quits). */
		machine_flush_output(m);
		return monitor_and_finish(cmd, m, rec, &o, demo);
	}
	machine_flush_output(m);
	fflush(stdout);
	machine_format_summary(m, why, summary, sizeof(summary));
	fprintf(stderr, "%s%s\n", isatty(1) ? "\n" : "", summary);
	r = stop_status(m, why);
	if (rec && recorder_finish(rec, why, err, sizeof(err))) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
		r = EXIT_USAGE;
	}
	machine_free(m);
	free(demo);
	return r;
}

static int cmd_run(int argc, char **argv)
{
	return cmd_run_like("run", argc, argv);
}

static int cmd_monitor(int argc, char **argv)
{
	return cmd_run_like("monitor", argc, argv);
}

/* lockstep replay FILE --monitor [-x FILE] [--batch] [--gdb SPEC] [--no-verify]
 * [--no-keyframes] [--serial ...] [--debugcon ...]: the monitor on a replay
 * session (the replay module cannot call the debugger, so it is wired here). */
static int cmd_replay_monitor(int argc, char **argv)
{
	struct replay_options ro;
	struct monitor_options mo;
	struct replay_session *s;
	const char *path = NULL;
	char err[1024], banner[4200], sum[1100];
	int r;

	replay_options_init(&ro);
	memset(&mo, 0, sizeof(mo));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--monitor")) {
			continue;
		} else if (!strcmp(a, "--batch")) {
			mo.batch = 1;
		} else if (!strcmp(a, "--no-verify")) {
			ro.verify = 0;
		} else if (!strcmp(a, "--no-keyframes")) {
			ro.use_keyframes = 0;
		} else if (!strcmp(a, "-x") || !strcmp(a, "--gdb") || !strcmp(a, "--serial") ||
			   !strcmp(a, "--debugcon")) {
			if (!v)
				return usage_error("replay", "option '%s' needs an argument", a);
			i++;
			if (a[1] == 'x')
				mo.script = v;
			else if (a[2] == 'g')
				mo.gdb = v;
			else if (config_check_chardev(a, v, err, sizeof(err))) {
				fprintf(stderr, "%s replay: %s\n", prog, err);
				return EXIT_USAGE;
			} else if (a[2] == 's')
				ro.serial = v;
			else
				ro.debugcon = v;
		} else if (!strcmp(a, "--until") || !strncmp(a, "--until=", 8)) {
			fprintf(stderr, "%s replay: --until does not go with --monitor (use run-to icount N "
				"or goto icount N at the prompt)\n", prog);
			return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("replay", "unknown or incomplete option '%s'", a);
		} else if (!path) {
			path = a;
		} else {
			return usage_error("replay", "more than one trace given (%s)", a);
		}
	}
	if (!path)
		return usage_error("replay", "no trace given%s", "");
	s = replay_session_open(path, &ro, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s replay: %s\n", prog, err);
		return EXIT_USAGE;
	}
	snprintf(banner, sizeof(banner), "lockstep replay: %s: the replayed machine is stopped; "
		 "help lists the commands", path);
	mo.banner = banner;
	mo.replay = s;
	r = monitor_main(replay_session_machine(s), &mo);
	/* monitor_main's status already says 1 for a divergence (unless quit N). */
	replay_session_summary(s, sum, sizeof(sum));
	fprintf(stderr, "%s replay: %s: %s\n", prog, path, sum);
	replay_session_free(s);
	return r;
}

static int cmd_replay(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			break;
		if (!strcmp(argv[i], "--monitor"))
			return cmd_replay_monitor(argc, argv);
	}
	return replay_cmd_main(argc, argv);
}
static int cmd_trace(int argc, char **argv) { return trace_cmd_main(argc, argv); }
static int cmd_diff(int argc, char **argv) { return diff_cmd_main(argc, argv); }
static int cmd_regress(int argc, char **argv) { return regress_cmd_main(argc, argv); }
static int cmd_bisect(int argc, char **argv) { return bisect_cmd_main(argc, argv); }

static const struct command commands[] = {
	{ "run", cmd_run, "lockstep run [machine options] [--record FILE] [--until EVENT] [--monitor]",
	  "Boot a machine. With no options: the system SeaBIOS (bios.bin) with the demo\n"
	  "disk from pc-bios/, showing the boot console.\n"
	  "\n"
	  "  --record FILE        record the run into a trace (docs/replay.md)\n"
	  "  --trace-io all|none|LIST  port I/O events stored in the trace (default all;\n"
	  "                       LIST: ports and LO-HI ranges); hashes cover all of them\n"
	  "  --checkpoint-every N checkpoint every N instructions (default 30000)\n"
	  "  --snapshot-every N   store a snapshot keyframe every N instructions\n"
	  "  --input FILE         scripted serial/keyboard input with virtual timestamps\n"
	  "  --until EVENT        stop at mbr, int19, halt, exit, icount=N or vtime=T\n"
	  "  --monitor            start stopped at the reset vector, at the monitor prompt;\n"
	  "                       with --record, the monitor's and gdb's changes to the\n"
	  "                       guest (set, set mem, reset) are recorded as input\n"
	  "  -x FILE, --batch, --gdb tcp:HOST:PORT   with --monitor: see 'lockstep monitor --help'\n"
	  "  --serial-raw         keep escape sequences when the console is not a terminal\n"
	  "  --disk-mode snapshot|rw  snapshot (default): guest writes stay in memory\n"
	  "  --log unimp          log unimplemented guest accesses once per site\n"
	  "\n"
	  "When the run stops, one summary line goes to stderr:\n"
	  "  stopped: reason=... icount=... vtime=... cs:eip=... post=0x..\n",
	  1 },
	{ "replay", cmd_replay, NULL, NULL, 0 },   /* prints its own help */
	{ "trace", cmd_trace, NULL, NULL, 0 },   /* prints its own help */
	{ "diff", cmd_diff, NULL, NULL, 0 },   /* prints its own help */
	{ "regress", cmd_regress, NULL, NULL, 0 },   /* prints its own help */
	{ "bisect", cmd_bisect, NULL, NULL, 0 },   /* prints its own help */
	{ "monitor", cmd_monitor, "lockstep monitor [machine options] [-x FILE] [--batch] [--gdb tcp:HOST:PORT]",
	  "Start a machine stopped at the reset vector, at an interactive prompt\n"
	  "(docs/monitor.md; 'help' at the prompt lists the commands).\n"
	  "\n"
	  "  -x FILE              run the commands in FILE first\n"
	  "  --batch              exit at the end of the script (a non-TTY stdin is\n"
	  "                       read as commands too)\n"
	  "  --gdb tcp:HOST:PORT  also serve the GDB remote protocol (loopback by default)\n", 1 },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;

	firmware_set_exe_dir(argv[0]);
	if (argc < 2) {
		fputs(global_help, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(global_help, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("lockstep %s\n", LS_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			fputs(global_help, stdout);
			return EXIT_OK;
		}
		if (!(c = find_command(argv[2])))
			return usage_error(NULL, "unknown command '%s'", argv[2]);
		/* Each command prints its own help, so the two can never differ. */
		return c->fn(2, (char *[]){ argv[2], "--help", NULL });
	}
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option '%s'", argv[1]);
	if (!(c = find_command(argv[1])))
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	return c->fn(argc - 1, argv + 1);
}
