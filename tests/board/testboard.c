/*
 * tests/board/testboard.c: run raw guest binaries on the minimal test board.
 *
 *   testboard [-m SIZE_MIB] [--max-icount N] [--real SEG:OFF | --flat EIP [--esp ESP]]
 *             --load ADDR FILE[@OFFSET] ...
 *
 * Prints the guest's debug-port output on stdout and a summary line on
 * stderr (icount, cycles, stop reason). Exit status: the value the guest wrote
 * to port 0xF4; 3 when the guest halted dead, faulted to shutdown or ran out
 * of instructions; 2 on usage errors.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "tests/board/board.h"

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr, "testboard: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	return 2;
}

static int load_file(struct board *b, uint64_t addr, const char *spec)
{
	char path[4096];
	const char *at = strrchr(spec, '@');
	long offset = 0;
	FILE *f;
	size_t n;
	static uint8_t buf[1 << 20];

	snprintf(path, sizeof(path), "%.*s", at ? (int)(at - spec) : (int)strlen(spec), spec);
	if (at)
		offset = strtol(at + 1, NULL, 0);
	f = fopen(path, "rb");
	if (!f)
		return usage("cannot open", path);
	if (fseek(f, offset, SEEK_SET)) {
		fclose(f);
		return usage("cannot seek", spec);
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (board_load(b, addr, buf, n)) {
			fclose(f);
			return usage("image does not fit in RAM", spec);
		}
		addr += n;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *reasons[] = { "exit", "icount", "halt-dead", "shutdown" };
	uint64_t ram = 32ull << 20, max_icount = 2000000000ull;
	uint32_t eip = 0, esp = 0x90000;
	unsigned seg = 0, off = 0;
	int real = -1, r;
	struct board b;
	enum board_stop stop;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-m") && i + 1 < argc)
			ram = strtoull(argv[++i], NULL, 0) << 20;
	if (board_init(&b, ram))
		return usage("cannot create the board", NULL);
	b.echo = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-m") && i + 1 < argc)
			i++;
		else if (!strcmp(a, "--max-icount") && i + 1 < argc)
			max_icount = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--real") && i + 1 < argc) {
			if (sscanf(argv[++i], "%x:%x", &seg, &off) != 2)
				return usage("--real wants SEG:OFF in hex", argv[i]);
			real = 1;
		} else if (!strcmp(a, "--flat") && i + 1 < argc) {
			eip = strtoul(argv[++i], NULL, 0);
			real = 0;
		} else if (!strcmp(a, "--esp") && i + 1 < argc)
			esp = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--load") && i + 2 < argc) {
			uint64_t addr = strtoull(argv[++i], NULL, 0);
			if ((r = load_file(&b, addr, argv[++i])))
				return r;
		} else
			return usage("unknown or incomplete argument", a);
	}
	if (real < 0)
		return usage("give an entry point with --real SEG:OFF or --flat EIP", NULL);
	if (real)
		board_enter_real(&b, seg, off);
	else
		board_enter_flat32(&b, eip, esp);
	stop = board_run(&b, max_icount);
	fflush(stdout);
	fprintf(stderr, "testboard: reason=%s icount=%" PRIu64 " cycles=%" PRIu64 " eip=0x%08x\n",
		reasons[stop], cpu_icount(b.cpu), *cpu_cycles_ptr(b.cpu),
		cpu_get_reg(b.cpu, CPU_EIP));
	r = stop == BOARD_EXIT ? b.exit_code : 3;
	board_free(&b);
	return r;
}
