/* tests/board/board.c: the minimal test machine (see board.h). */
#include "tests/board/board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "mem/mem.h"

static void out_append(struct board *b, uint8_t c)
{
	if (b->out_len + 2 > b->out_cap) {
		size_t cap = b->out_cap ? b->out_cap * 2 : 256;
		char *p = realloc(b->out, cap);
		if (!p)
			return;
		b->out = p;
		b->out_cap = cap;
	}
	b->out[b->out_len++] = (char)c;
	b->out[b->out_len] = 0;
	if (b->echo)
		fputc(c, stdout);
}

static uint32_t debug_read(void *opaque, uint32_t offset, int size)
{
	return 0xE9;
}

static void debug_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	out_append(opaque, (uint8_t)value);
}

static void exit_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct board *b = opaque;
	b->exited = 1;
	b->exit_code = (int)(value & 0xFF);
	cpu_request_stop(b->cpu);
}

static uint64_t now(struct board *b)
{
	return *cpu_cycles_ptr(b->cpu);
}

static void timer_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct board *b = opaque;

	if (offset == 1) {
		b->timer_vector = (uint8_t)value;
		return;
	}
	b->timer_deadline = value ? now(b) + value : UINT64_MAX;
	/* The running cpu_run must stop at the new deadline. */
	cpu_set_cycle_limit(b->cpu, b->timer_deadline);
}

static uint32_t timer_read(void *opaque, uint32_t offset, int size)
{
	struct board *b = opaque;
	return offset == 1 ? b->timer_vector : b->timer_pending;
}

static int intr_ack(void *opaque)
{
	struct board *b = opaque;
	b->timer_pending = 0;
	cpu_set_intr(b->cpu, 0);
	return b->timer_vector;
}

static void shutdown_cb(void *opaque)
{
	((struct board *)opaque)->shutdown = 1;
}

int board_init(struct board *b, uint64_t ram_size)
{
	struct cpu_bus bus;
	struct cpu_model model;

	memset(b, 0, sizeof(*b));
	b->timer_deadline = UINT64_MAX;
	b->timer_vector = 0x20;
	b->mem = mem_new(ram_size);
	if (!b->mem)
		return -1;
	bus = (struct cpu_bus){ .opaque = b, .intr_ack = intr_ack, .shutdown = shutdown_cb };
	cpu_model_default(&model);
	b->cpu = cpu_new(b->mem, &bus, &model);
	if (!b->cpu) {
		mem_free(b->mem);
		return -1;
	}
	mem_add_io(b->mem, "debugcon", 0x402, 1, 0, debug_read, debug_write, b, 1);
	mem_add_io(b->mem, "e9", 0xE9, 1, 0, debug_read, debug_write, b, 1);
	mem_add_io(b->mem, "exit", 0xF4, 1, 0, NULL, exit_write, b, 1);
	mem_add_io(b->mem, "timer", 0x40, 2, 0, timer_read, timer_write, b, 4);
	cpu_reset(b->cpu);
	return 0;
}

void board_free(struct board *b)
{
	cpu_free(b->cpu);
	mem_free(b->mem);
	free(b->out);
	memset(b, 0, sizeof(*b));
}

int board_load(struct board *b, uint64_t pa, const void *data, size_t len)
{
	if (pa + len > mem_ram_size(b->mem) || pa + len < pa)
		return -1;
	mem_write_buf(b->mem, pa, data, len);
	cpu_flush_caches(b->cpu);
	return 0;
}

static void set_seg(struct board *b, enum cpu_seg s, uint16_t sel, uint32_t base,
		    uint32_t limit, uint16_t attr)
{
	struct cpu_segment seg = { .selector = sel, .attr = attr, .base = base, .limit = limit };
	cpu_set_seg(b->cpu, s, &seg);
}

void board_enter_real(struct board *b, uint16_t cs, uint16_t ip)
{
	/* Real-mode caches: base = selector << 4, limit 64 KiB, present data/code. */
	set_seg(b, CPU_CS, cs, (uint32_t)cs << 4, 0xFFFF, 0x9B);
	for (int s = CPU_ES; s <= CPU_GS; s++)
		if (s != CPU_CS)
			set_seg(b, s, 0, 0, 0xFFFF, 0x93);
	cpu_set_reg(b->cpu, CPU_CR0, 0x60000010);
	cpu_set_reg(b->cpu, CPU_EIP, ip);
	cpu_set_reg(b->cpu, CPU_ESP, 0x7000);
	cpu_set_reg(b->cpu, CPU_EFLAGS, 0x2);
	cpu_flush_caches(b->cpu);
}

void board_enter_flat32(struct board *b, uint32_t eip, uint32_t esp)
{
	/* Flat 4 GiB segments: code 0x08 (type B, D=1, G=1), data 0x10 (type 3). */
	set_seg(b, CPU_CS, 0x08, 0, 0xFFFFFFFF, 0xC09B);
	for (int s = CPU_ES; s <= CPU_GS; s++)
		if (s != CPU_CS)
			set_seg(b, s, 0x10, 0, 0xFFFFFFFF, 0xC093);
	cpu_set_reg(b->cpu, CPU_CR0, 0x60000011);
	cpu_set_reg(b->cpu, CPU_EIP, eip);
	cpu_set_reg(b->cpu, CPU_ESP, esp);
	cpu_set_reg(b->cpu, CPU_EFLAGS, 0x2);
	cpu_flush_caches(b->cpu);
}

enum board_stop board_run(struct board *b, uint64_t max_icount)
{
	while (!b->exited && !b->shutdown) {
		uint64_t t = now(b);
		enum cpu_stop r;

		if (cpu_icount(b->cpu) >= max_icount)
			return BOARD_ICOUNT;
		if (b->timer_deadline <= t) {
			b->timer_deadline = UINT64_MAX;
			b->timer_pending = 1;
			cpu_set_intr(b->cpu, 1);
		}
		r = cpu_run(b->cpu, max_icount, b->timer_deadline);
		if (r == CPU_STOP_SHUTDOWN)
			return BOARD_SHUTDOWN;
		if (r == CPU_STOP_HLT && !b->exited) {
			uint32_t fl = cpu_get_reg(b->cpu, CPU_EFLAGS);
			/* HLT skips virtual time to the next deadline; with IF clear or
			 * nothing armed, nothing can ever wake it. */
			if (!(fl & 0x200) ||
			    (b->timer_deadline == UINT64_MAX && !b->timer_pending))
				return BOARD_HALT_DEAD;
			if (b->timer_deadline != UINT64_MAX && b->timer_deadline > now(b))
				cpu_add_cycles(b->cpu, b->timer_deadline - now(b));
		}
	}
	return b->exited ? BOARD_EXIT : BOARD_SHUTDOWN;
}
