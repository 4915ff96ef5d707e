/*
 * tests/replay_driver.c: a private driver for the recorder and the replayer
 * until lockstep.c wires them into `run --record` and `replay`, and for
 * measuring the recording overhead (docs/replay.md §8).
 *   replay_driver record OUT [--bios F] [--disk IMG] [-m MiB] [--until EVENT]
 *                 [--checkpoint-every N] [--snapshot-every N] [--trace-io L]
 *                 [--input F] [--serial S]
 *   replay_driver run [same machine options]   (no recording, for timing)
 *   replay_driver replay FILE [replay options]
 * Exit status as lockstep's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/config.h"
#include "machine/machine.h"
#include "replay/recorder.h"
#include "replay/replayer.h"

int main(int argc, char **argv)
{
	struct machine_config cfg;
	struct recorder_options ro;
	struct machine_until until = { UNTIL_NONE, 0 };
	struct machine *m;
	struct recorder *rec = NULL;
	enum machine_stop why;
	const char *out = NULL;
	char err[1024], summary[256];
	int record;

	if (argc < 2) {
		fprintf(stderr, "usage: replay_driver record|run|replay ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "replay"))
		return replay_cmd_main(argc - 1, argv + 1);
	record = !strcmp(argv[1], "record");
	if (!record && strcmp(argv[1], "run")) {
		fprintf(stderr, "replay_driver: unknown command %s\n", argv[1]);
		return 2;
	}
	config_init(&cfg);
	cfg.serial = "none";
	recorder_options_init(&ro);
	ro.version = "test";
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-' && record && !out) {
			out = a;
			continue;
		}
		if (!v) {
			fprintf(stderr, "replay_driver: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--bios"))
			cfg.bios = v;
		else if (!strcmp(a, "--disk") && cfg.ndisks < CONFIG_MAX_DISKS)
			cfg.disks[cfg.ndisks++] = v;
		else if (!strcmp(a, "-m"))
			cfg.ram_size = strtoull(v, NULL, 0) << 20;
		else if (!strcmp(a, "--machine")) {
			if (config_parse_machine(v, &cfg.kind, err, sizeof(err))) {
				fprintf(stderr, "replay_driver: %s\n", err);
				return 2;
			}
		} else if (!strcmp(a, "--serial"))
			cfg.serial = v;
		else if (!strcmp(a, "--until")) {
			if (machine_parse_until(v, &until, err, sizeof(err))) {
				fprintf(stderr, "replay_driver: %s\n", err);
				return 2;
			}
		} else if (!strcmp(a, "--checkpoint-every"))
			ro.checkpoint_every = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--snapshot-every"))
			ro.snapshot_every = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--trace-io"))
			ro.trace_io = v;
		else if (!strcmp(a, "--input"))
			ro.input_path = v;
		else {
			fprintf(stderr, "replay_driver: unknown option %s\n", a);
			return 2;
		}
	}
	if (record && !out) {
		fprintf(stderr, "replay_driver: record needs an output file\n");
		return 2;
	}
	m = machine_new(&cfg, NULL, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "replay_driver: %s\n", err);
		return 2;
	}
	if (record) {
		rec = recorder_attach(m, &cfg, out, &ro, err, sizeof(err));
		if (!rec) {
			fprintf(stderr, "replay_driver: %s\n", err);
			machine_free(m);
			return 2;
		}
		why = recorder_run(rec, &until);
		if (recorder_finish(rec, why, err, sizeof(err))) {
			fprintf(stderr, "replay_driver: %s\n", err);
			machine_free(m);
			return 2;
		}
	} else {
		why = machine_run(m, &until);
	}
	machine_flush_output(m);
	machine_format_summary(m, why, summary, sizeof(summary));
	fprintf(stderr, "%s\n", summary);
	machine_free(m);
	return 0;
}
