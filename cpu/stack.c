/* cpu/stack.c: PUSH/POP through SS with the stack-size rules of SDM Vol. 1
 * §6.2 (SS.B selects SP or ESP; limit faults are #SS(0)). */
#include "cpu/internal.h"

void stack_push(struct cpu *c, uint32_t v, int size)
{
	uint32_t sp = stack_sp(c) - (uint32_t)size;
	if (!cpu_ss32(c))
		sp &= 0xffff;
	mem_wr(c, SEG_SS, sp, v, size);
	stack_set_sp(c, sp);
}

uint32_t stack_pop(struct cpu *c, int size)
{
	uint32_t sp = stack_sp(c);
	uint32_t v = mem_rd(c, SEG_SS, sp, size);
	stack_set_sp(c, sp + (uint32_t)size);
	return v;
}

uint32_t stack_peek(struct cpu *c, uint32_t off, int size)
{
	uint32_t sp = stack_sp(c) + off;
	if (!cpu_ss32(c))
		sp &= 0xffff;
	return mem_rd(c, SEG_SS, sp, size);
}
