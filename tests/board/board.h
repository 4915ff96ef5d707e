/*
 * tests/board/board.h: a minimal machine for running guest programs before
 * (and beside) the PC: flat RAM, a debug output port, an exit port and a
 * programmable one-shot timer interrupt. No firmware, no chipset.
 *
 * Ports: 0x402 and 0xE9 debug output (reads return 0xE9); 0xF4 exit (the
 * value written ends the run); 0x40 timer (a dword write arms a one-shot
 * interrupt that many cycles from now, 0 disarms); 0x41 timer vector (byte,
 * default 0x20). The interrupt is level: it stays pending until acknowledged
 * by the CPU (INTA).
 */
#ifndef LS_TESTS_BOARD_H
#define LS_TESTS_BOARD_H

#include <stddef.h>
#include <stdint.h>

struct cpu;
struct mem;

struct board {
	struct mem *mem;
	struct cpu *cpu;
	/* Debug output collected from ports 0x402/0xE9 (NUL-terminated). */
	char *out;
	size_t out_len, out_cap;
	int echo;              /* also write output to stdout */
	int exited;            /* the guest wrote to 0xF4 */
	int exit_code;
	uint64_t timer_deadline; /* cycles; UINT64_MAX when disarmed */
	int timer_pending;
	uint8_t timer_vector;
	int shutdown;          /* triple fault */
};

/* A board with ram_size bytes of RAM (0 on allocation failure). */
int board_init(struct board *b, uint64_t ram_size);
void board_free(struct board *b);

/* Copy len bytes to physical address pa. Returns 0 or -1 (outside RAM). */
int board_load(struct board *b, uint64_t pa, const void *data, size_t len);

/* CPU state at the entry point: real mode with CS:IP = seg:off, or flat 32-bit
 * protected mode (CS/DS/ES/FS/GS/SS base 0, limit 4 GiB) at eip with esp. */
void board_enter_real(struct board *b, uint16_t cs, uint16_t ip);
void board_enter_flat32(struct board *b, uint32_t eip, uint32_t esp);

/* Why board_run returned. */
enum board_stop { BOARD_EXIT, BOARD_ICOUNT, BOARD_HALT_DEAD, BOARD_SHUTDOWN };

/* Run until the guest writes the exit port, max_icount instructions retire,
 * a HLT with interrupts off and nothing pending, or a triple fault. */
enum board_stop board_run(struct board *b, uint64_t max_icount);

#endif
