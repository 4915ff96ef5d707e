/*
 * tests/monitor_driver.c: runs monitor_main on a SeaBIOS machine, for the
 * scripted monitor and gdb stub tests (until `lockstep monitor` is wired).
 *   monitor_driver [--bios FILE] [--disk IMG] [-x FILE] [--batch] [--gdb SPEC]
 * The serial console is off so the transcript holds monitor output only.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/debugger.h"
#include "machine/machine.h"

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "bios", required_argument, 0, 'b' }, { "disk", required_argument, 0, 'd' },
		{ "batch", no_argument, 0, 'B' }, { "gdb", required_argument, 0, 'g' },
		{ "debugcon", required_argument, 0, 'c' }, { 0, 0, 0, 0 },
	};
	struct machine_config cfg;
	struct monitor_options mo;
	struct machine *m;
	char err[512];
	int opt, r;

	config_init(&cfg);
	memset(&mo, 0, sizeof(mo));
	cfg.bios = "/usr/share/seabios/bios.bin";
	cfg.serial = "none";
	while ((opt = getopt_long(argc, argv, "x:", lo, NULL)) != -1) {
		switch (opt) {
		case 'b': cfg.bios = optarg; break;
		case 'd': cfg.disks[cfg.ndisks++] = optarg; break;
		case 'B': mo.batch = 1; break;
		case 'g': mo.gdb = optarg; break;
		case 'c': cfg.debugcon = optarg; break;
		case 'x': mo.script = optarg; break;
		default: fprintf(stderr, "usage: monitor_driver [--bios F] [--disk F] [-x F] [--batch] [--gdb S]\n"); return 2;
		}
	}
	mo.history = "/dev/null";
	m = machine_new(&cfg, NULL, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "monitor_driver: %s\n", err);
		return 2;
	}
	r = monitor_main(m, &mo);
	machine_free(m);
	return r;
}
