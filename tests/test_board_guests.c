/*
 * tests/test_board_guests.c: the CPU guests assembled from
 * tests/guests/board_*.S run on the test board (tests/board/board.c). Each
 * guest checks its own expectations and exits through port 0xF4 with 0 or
 * the number of the failed check; the suite then reads back the results the
 * guest stored at 0x600 and the exception records at 0x500
 * (tests/guests/board_kit.h) and checks them against values worked out here.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "mem/mem.h"
#include "tests/board/board.h"
#include "tests/testutil.h"

#define REC_VEC   0x500
#define REC_ERR   0x504
#define REC_EIP   0x508
#define REC_CR2   0x510
#define REC_COUNT 0x518
#define RES       0x600
#define VARIANT   0x5f0   /* which part a guest runs; 0: the main checks */

enum entry { ENTRY_REAL, ENTRY_FLAT32 };

/* Load tests/guests/<name>.bin at 0x1000 on a board with ram_mib MiB, store
 * variant at VARIANT, enter it in real mode (0:1000) or flat 32-bit mode,
 * and run it to its exit. */
static void run_guest_variant(struct board *b, const char *name, enum entry entry,
			      unsigned ram_mib, uint32_t variant)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "tests/guests/%s.bin", name);
	char *path = tu_build_path(rel);
	size_t len;
	uint8_t *code = tu_read_file(path, &len);
	cr_assert(code, "%s missing (built by make check)", path);
	cr_assert_eq(board_init(b, (uint64_t)ram_mib << 20), 0);
	cr_assert_eq(board_load(b, 0x1000, code, len), 0);
	free(code);
	free(path);
	mem_write(b->mem, VARIANT, variant, 4);
	if (entry == ENTRY_REAL)
		board_enter_real(b, 0, 0x1000);
	else
		board_enter_flat32(b, 0x1000, 0x90000);
	enum board_stop st = board_run(b, 20000000);
	cr_assert_eq(st, BOARD_EXIT, "%s: stopped (%d) at eip %#x; last exception %u error %#x",
		     name, (int)st, cpu_get_reg(b->cpu, CPU_EIP), mem_read(b->mem, REC_VEC, 4),
		     mem_read(b->mem, REC_ERR, 4));
	cr_expect_eq(b->exit_code, 0, "%s: check %d failed (last exception %u error %#x cr2 %#x)",
		     name, b->exit_code, mem_read(b->mem, REC_VEC, 4), mem_read(b->mem, REC_ERR, 4),
		     mem_read(b->mem, REC_CR2, 4));
}

static void run_guest(struct board *b, const char *name, enum entry entry, unsigned ram_mib)
{
	run_guest_variant(b, name, entry, ram_mib, 0);
}

static uint32_t res(struct board *b, unsigned k)
{
	return mem_read(b->mem, RES + 4u * k, 4);
}

/* Self-modifying code: stores into already-decoded instructions (the next
 * instruction, a loop body, bytes at offset >= 1, REP STOSB/MOVSB over code,
 * a page-crossing instruction) are seen by the next execution. */
Test(board_guests, self_modifying_code)
{
	struct board b;
	run_guest(&b, "board_smc", ENTRY_FLAT32, 4);
	cr_expect_str_eq(b.out ? b.out : "", "smc ok");
	cr_expect_eq(res(&b, 0), 1, "INC patched over DEC");
	cr_expect_eq(res(&b, 1), 85, "loop sum after patching its immediate");
	cr_expect_eq(res(&b, 2), 0x99223344u, "last immediate byte");
	cr_expect_eq(res(&b, 3), 0x175a5a5au, "displacement and immediate bytes");
	cr_expect_eq(res(&b, 4), 0x1234u + 0x5634u, "immediate behind a prefix");
	cr_expect_eq(res(&b, 5), 5, "REP STOSB over code");
	cr_expect_eq(res(&b, 6), 42, "REP MOVSB over code");
	cr_expect_eq(res(&b, 7), 0x77030266u, "page-crossing instruction");
	cr_expect_eq(mem_read(b.mem, REC_COUNT, 4), 0, "no exceptions");
	board_free(&b);
}

/* Fault restart: PUSH/POP/MOVSD/REP MOVSB/far CALL across missing pages
 * leave no partial state; the #PF hook maps the page and each instruction
 * completes exactly once. */
Test(board_guests, fault_restart)
{
	struct board b;
	run_guest(&b, "board_fault", ENTRY_FLAT32, 4);
	cr_expect_str_eq(b.out ? b.out : "", "fault ok");
	cr_expect_eq(mem_read(b.mem, REC_COUNT, 4), 8, "eight page faults");
	/* The last fault: CPL-3 POP from 0x20aff8, user read, not present. */
	cr_expect_eq(mem_read(b.mem, REC_VEC, 4), 14);
	cr_expect_eq(mem_read(b.mem, REC_ERR, 4), 4);
	cr_expect_eq(mem_read(b.mem, REC_CR2, 4), 0x20aff8);
	cr_expect_eq(mem_read(b.mem, 0x204ff0, 4), 0x03020100, "REP MOVSB before the boundary");
	cr_expect_eq(mem_read(b.mem, 0x20500c, 4), 0x1f1e1d1c, "REP MOVSB after the restart");
	cr_expect_eq(mem_read(b.mem, 0x206ffc + 4, 2), 0x2b, "far CALL pushed CS");
	cr_expect_eq(res(&b, 0x34 / 4), 0xabcdef01u, "POP ECX after the restart");
	board_free(&b);
}

/* Paging: accessed/dirty bits, #PF error codes and CR2 at CPL 0 and 3,
 * CR0.WP, 4 MiB pages, INVLPG, an access straddling into a missing page. */
Test(board_guests, paging)
{
	struct board b;
	run_guest(&b, "board_paging", ENTRY_FLAT32, 16);
	cr_expect_str_eq(b.out ? b.out : "", "paging ok");
	cr_expect_eq(res(&b, 0), 0x60, "PTE accessed and dirty after a write");
	cr_expect_eq(res(&b, 1), 0x20, "4 MiB PDE accessed, not dirty, after reads");
	static const uint32_t err[4] = { 5, 7, 6, 5 };
	static const uint32_t cr2[4] = { 0x310000, 0x311000, 0x301010, 0x312000 };
	for (unsigned k = 0; k < 4; k++) {
		cr_expect_eq(res(&b, 0x10 + 2 * k), err[k], "CPL-3 fault %u: error %#x", k,
			     res(&b, 0x10 + 2 * k));
		cr_expect_eq(res(&b, 0x11 + 2 * k), cr2[k], "CPL-3 fault %u: CR2 %#x", k,
			     res(&b, 0x11 + 2 * k));
	}
	cr_expect_eq(mem_read(b.mem, 0x400100, 4), 0x12345678u, "written through the alias");
	board_free(&b);
}

/* An access that straddles into a not-present page faults with CR2 = the
 * first byte of the missing page (0x306000 for a dword at 0x305ffe, as
 * Bochs and QEMU report), not the access's last byte. */
Test(board_guests, paging_straddle_cr2)
{
	struct board b;
	run_guest_variant(&b, "board_paging", ENTRY_FLAT32, 16, 1);
	cr_expect_str_eq(b.out ? b.out : "", "paging straddle ok");
	cr_expect_eq(res(&b, 2), 0x306000, "CR2 %#x", res(&b, 2));
	board_free(&b);
}

/* Real mode -> protected mode -> real mode: big real mode (limits kept, real
 * mode loads change only selector and base), #GP/#SS on the limits that
 * stayed 64 KiB, the IVT working again. */
Test(board_guests, protected_mode_entry_and_big_real_mode)
{
	struct board b;
	run_guest(&b, "board_pmentry", ENTRY_REAL, 4);
	cr_expect_str_eq(b.out ? b.out : "", "pmentry ok");
	cr_expect_eq(mem_read(b.mem, 0x200000, 4), 0x11223344u, "written through FS:0x1f0000");
	cr_expect_eq(mem_read(b.mem, REC_COUNT, 4), 2, "one #GP, one #SS");
	cr_expect_eq(mem_read(b.mem, REC_VEC, 4), 12);
	cr_expect_eq(res(&b, 1), 0x40);
	cr_expect_eq(cpu_get_reg(b.cpu, CPU_CR0) & 1, 0, "real mode at the end");
	struct cpu_segment ds;
	cpu_get_seg(b.cpu, CPU_GS, &ds);
	cr_expect_eq(ds.base, 0x1000);
	cr_expect_eq(ds.limit, 0xffffffffu, "GS kept its 4 GiB limit");
	board_free(&b);
}

/* Call gates, interrupt and trap gates with a CPL 3 -> 0 change: stack
 * switch from the TSS, parameter copy, frames, IF, #GP for DPL-0 gates. */
Test(board_guests, gates_with_privilege_change)
{
	struct board b;
	run_guest(&b, "board_gates", ENTRY_FLAT32, 4);
	cr_expect_str_eq(b.out ? b.out : "", "gates ok");
	cr_expect_eq(res(&b, 0), 0x80000 - 24, "ESP in the call-gate target");
	cr_expect_eq(res(&b, 3), 0x2222, "parameter copied");
	cr_expect_eq(res(&b, 12), 0x70000 - 8, "caller's ESP in the frame");
	cr_expect_eq(res(&b, 19), 0x43 * 8 + 2, "#GP error for INT to a DPL-0 gate");
	cr_expect_eq(res(&b, 21), 0x48, "#GP error for a DPL-0 call gate");
	board_free(&b);
}

/* V86 mode: IOPL-sensitive instructions fault at IOPL 0 and work at IOPL 3,
 * the I/O bitmap governs IN/OUT, INT n reaches a CPL-0 handler whose IRET
 * returns to V86. */
Test(board_guests, virtual_8086_mode)
{
	struct board b;
	run_guest(&b, "board_v86", ENTRY_FLAT32, 4);
	cr_expect_str_eq(b.out ? b.out : "", "vv86 ok", "'v' from V86, then the summary");
	cr_expect_eq(mem_read(b.mem, 0x12350, 2), 0xbeef, "DS 0x1234 is base 0x12340");
	cr_expect_eq(res(&b, 0), 13, "CLI at IOPL 0: #GP");
	cr_expect_eq(res(&b, 1), 0, "error code 0");
	cr_expect_eq(res(&b, 3), 0x100, "the frame's CS is the V86 CS");
	cr_expect_eq(res(&b, 0x30 / 4), 0x80000 - 36, "nine dwords on the CPL-0 stack");
	cr_expect_eq(res(&b, 0x4c / 4), 0x50, "V86 DS in the frame");
	board_free(&b);
}

/* Hardware task switches with 32-bit and 16-bit TSSs: CALL/IRET, JMP, INT
 * and an exception through task gates, #TS for a short TSS. */
Test(board_guests, task_switches)
{
	struct board b;
	run_guest(&b, "board_task", ENTRY_FLAT32, 4);
	cr_expect_str_eq(b.out ? b.out : "", "task ok");
	cr_expect_eq(res(&b, 4), 3, "task B ran three times");
	cr_expect_eq(res(&b, 9), 0xffffc0c0u, "16-bit task: EAX upper half 0xFFFF");
	cr_expect_eq(mem_read(b.mem, RES + 0x44, 2), 0x1234, "#GP error code as a word");
	cr_expect_eq(mem_read(b.mem, RES + 0x40, 2), 0x47fe, "SP after the word push");
	cr_expect_eq(mem_read(b.mem, REC_ERR, 4), 0x60, "#TS(selector) for the short TSS");
	struct cpu_segment tr;
	cpu_get_seg(b.cpu, CPU_TR, &tr);
	cr_expect_eq(tr.selector, 0x38, "back in the main task");
	board_free(&b);
}
