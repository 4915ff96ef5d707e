/* tests/test_board.c: the minimal test board runs raw guests (tests/board/board.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "tests/board/board.h"
#include "tests/testutil.h"

/* The shared bench payload, entered in flat protected mode through the stub
 * built from tests/board/benchstub.S, prints the checksum of one iteration. */
Test(board, bench_payload_in_flat_protected_mode, .timeout = 120)
{
	char *img = tu_shared_path("guests/bench/bench-1.img"), *stub = tu_build_path("tests/board/benchstub.bin");
	size_t img_len, stub_len;
	uint8_t *image = tu_read_file(img, &img_len), *code = tu_read_file(stub, &stub_len);
	struct board b;

	if (!image)
		cr_skip_test("%s not found (../shared is not beside the tree)", img);
	cr_assert(code, "%s missing (built by make check)", stub);
	cr_assert_eq(board_init(&b, 32u << 20), 0);
	cr_assert_eq(board_load(&b, 0x8000, code, stub_len), 0);
	cr_assert_eq(board_load(&b, 0x10000, image + 512, img_len - 512), 0);
	board_enter_flat32(&b, 0x8000, 0x90000);
	cr_expect_eq(board_run(&b, 100000000), BOARD_EXIT);
	cr_expect_eq(b.exit_code, 0);
	cr_expect_str_eq(b.out ? b.out : "", "BENCH DONE 0b8bb7fa\n");
	/* One iteration is 3.55 M instructions counted natively (shared README). */
	cr_expect(cpu_icount(b.cpu) > 3400000 && cpu_icount(b.cpu) < 3600000, "%llu",
		  (unsigned long long)cpu_icount(b.cpu));
	board_free(&b);
	free(image);
	free(code);
	free(img);
	free(stub);
}

/* Real mode: an IVT entry for the timer vector, the one-shot timer armed for
 * 1000 cycles, then STI; HLT. The handler prints 'T' and exits with 7. */
Test(board, timer_interrupt_wakes_hlt_in_real_mode)
{
	static const uint8_t prog[] = {
		0xFA,                               /* cli */
		0x31, 0xC0,                         /* xor ax, ax */
		0x8E, 0xD8,                         /* mov ds, ax */
		0xC7, 0x06, 0x80, 0x00, 0x20, 0x10, /* mov word [0x80], 0x1020 (IVT[0x20].off) */
		0xC7, 0x06, 0x82, 0x00, 0x00, 0x00, /* mov word [0x82], 0 (IVT[0x20].seg) */
		0x66, 0xB8, 0xE8, 0x03, 0x00, 0x00, /* mov eax, 1000 */
		0x66, 0xE7, 0x40,                   /* out 0x40, eax: arm the timer */
		0xFB,                               /* sti */
		0xF4,                               /* hlt */
		0xEB, 0xFD,                         /* jmp $-3 (back to hlt) */
	};
	static const uint8_t handler[] = {
		0xB0, 'T',                          /* mov al, 'T' */
		0xE6, 0xE9,                         /* out 0xE9, al */
		0xB0, 0x07,                         /* mov al, 7 */
		0xE6, 0xF4,                         /* out 0xF4, al */
		0xF4,                               /* hlt */
	};
	struct board b;

	cr_assert_eq(board_init(&b, 1u << 20), 0);
	board_load(&b, 0x1000, prog, sizeof(prog));
	board_load(&b, 0x1020, handler, sizeof(handler));
	board_enter_real(&b, 0, 0x1000);
	cr_expect_eq(board_run(&b, 10000), BOARD_EXIT);
	cr_expect_eq(b.exit_code, 7);
	cr_expect_str_eq(b.out ? b.out : "", "T");
	/* HLT skipped straight to the deadline: at least 1000 cycles passed, and
	 * only a handful of instructions ran. */
	cr_expect_geq(*cpu_cycles_ptr(b.cpu), 1000);
	cr_expect_lt(cpu_icount(b.cpu), 30);
	board_free(&b);
}

Test(board, cli_hlt_is_dead)
{
	static const uint8_t prog[] = { 0xFA, 0xF4 };   /* cli; hlt */
	struct board b;
	cr_assert_eq(board_init(&b, 1u << 20), 0);
	board_load(&b, 0x1000, prog, sizeof(prog));
	board_enter_real(&b, 0, 0x1000);
	cr_expect_eq(board_run(&b, 1000), BOARD_HALT_DEAD);
	cr_expect_eq(cpu_icount(b.cpu), 2);
	board_free(&b);
}

/* Assembled from tests/guests/board_rep_irq.S: a timer interrupt lands in the
 * middle of `rep stosb`, and the REP resumes and completes. */
Test(board, interrupt_in_the_middle_of_rep)
{
	char *path = tu_build_path("tests/guests/board_rep_irq.bin");
	size_t len;
	uint8_t *code = tu_read_file(path, &len);
	struct board b;

	cr_assert(code, "%s missing (built by make check)", path);
	cr_assert_eq(board_init(&b, 1u << 20), 0);
	cr_assert_eq(board_load(&b, 0x1000, code, len), 0);
	board_enter_real(&b, 0, 0x1000);
	cr_expect_eq(board_run(&b, 1000000), BOARD_EXIT);
	cr_expect_eq(b.exit_code, 0, "check %d failed", b.exit_code);
	cr_expect_str_eq(b.out ? b.out : "", "rep-irq ok");
	/* 60000 iterations each retire: the REP alone is 60000 of the icount. */
	cr_expect_gt(cpu_icount(b.cpu), 60000);
	board_free(&b);
	free(code);
	free(path);
}
