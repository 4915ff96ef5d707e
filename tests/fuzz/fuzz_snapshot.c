/*
 * tests/fuzz/fuzz_snapshot.c: libFuzzer target for the snapshot loader
 * (machine/state.c). One small isapc machine (no BIOS: a multiboot-free,
 * firmware-free machine would need a BIOS file, so the test firmware image
 * from $LOCKSTEP_FUZZ_BIOS or /usr/share/seabios/bios.bin is used) is built
 * once; every input is loaded into it, and a refused input must leave a
 * message. Inputs that load are fine too: they are saved again, and the
 * second save must load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/config.h"
#include "machine/machine.h"
#include "machine/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct machine *fuzz_machine(void)
{
	static struct machine *m;
	struct machine_config cfg;
	char err[512];
	const char *bios = getenv("LOCKSTEP_FUZZ_BIOS");

	if (m)
		return m;
	config_init(&cfg);
	cfg.kind = MACHINE_ISAPC;
	cfg.ram_size = 1u << 20;
	cfg.serial = "none";
	cfg.bios = bios ? bios : "/usr/share/seabios/bios.bin";
	m = machine_new(&cfg, NULL, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "fuzz_snapshot: %s\n", err);
		abort();
	}
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine *m = fuzz_machine();
	char err[512] = "";
	uint8_t *again;
	size_t len;

	if (machine_snapshot_load(m, data, size, err, sizeof(err))) {
		if (!err[0])
			__builtin_trap();
		return 0;
	}
	if (machine_snapshot_save(m, &again, &len, err, sizeof(err)) == 0) {
		if (machine_snapshot_load(m, again, len, err, sizeof(err)))
			__builtin_trap();   /* what we saved must load */
		free(again);
	}
	return 0;
}
