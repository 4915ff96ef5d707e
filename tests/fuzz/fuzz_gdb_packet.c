/*
 * tests/fuzz/fuzz_gdb_packet.c: libFuzzer target for the gdb stub's packet
 * layer: the input is a raw byte stream from "gdb" (framing, escapes,
 * checksums, 0x03), every complete packet goes to gdb_handle_packet on a
 * fresh 1 MiB machine with a tiny synthetic BIOS. Resumes (c, s) are not
 * run: the fuzzer checks the parser, not the CPU. Malformed packets must
 * not change guest state: a packet answered with an error is checked
 * against the CPU state saved before it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "debugger/core.h"
#include "debugger/gdbstub.h"
#include "machine/machine.h"

static char bios_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t *img = calloc(1, 65536);
	int fd;

	snprintf(bios_path, sizeof(bios_path), "/tmp/ls-fuzz-bios-XXXXXX");
	fd = mkstemp(bios_path);
	if (fd < 0 || !img)
		abort();
	memset(img, 0xf4, 65536);   /* hlt everywhere */
	if (write(fd, img, 65536) != 65536)
		abort();
	close(fd);
	free(img);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine_config cfg;
	struct machine *m;
	struct dbg *d;
	struct gdb_rx rx;
	static char reply[2 * GDB_PACKET_MAX + 1];
	char err[256];

	config_init(&cfg);
	cfg.bios = bios_path;
	cfg.serial = "none";
	cfg.ram_size = 1 << 20;
	m = machine_new(&cfg, NULL, err, sizeof(err));
	if (!m)
		abort();
	d = dbg_new(m);
	struct gdb_session s = { .d = d };
	gdb_rx_init(&rx);
	for (size_t i = 0; i < size; i++) {
		if (gdb_rx_feed(&rx, data[i]) != GDB_RX_PACKET)
			continue;
		uint8_t before[CPU_STATE_SIZE], after[CPU_STATE_SIZE];
		cpu_state_save(machine_cpu(m), before, sizeof(before));
		gdb_handle_packet(&s, rx.buf, rx.len, reply, sizeof(reply));
		if (reply[0] == 'E') {
			cpu_state_save(machine_cpu(m), after, sizeof(after));
			if (memcmp(before, after, sizeof(before)) && rx.buf[0] != 'G')
				abort();   /* an error reply changed the CPU */
		}
	}
	dbg_free(d);
	machine_free(m);
	return 0;
}
