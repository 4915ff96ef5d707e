/* tests/cpu_vm.h: a bare CPU on flat RAM for the cpu test suites: load
 * bytes, set real or flat protected mode, run a few instructions. */
#ifndef LS_TEST_CPU_VM_H
#define LS_TEST_CPU_VM_H

#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "mem/mem.h"

struct vm {
	struct mem *m;
	struct cpu *c;
	int shutdowns;
	int intr_vector;
	int smm_changes;
	int last_vec, last_kind, last_err, nints;
};

static void vm_on_shutdown(void *o) { ((struct vm *)o)->shutdowns++; }
static int vm_on_ack(void *o) { return ((struct vm *)o)->intr_vector; }
static void vm_on_smm(void *o, int in) { (void)in; ((struct vm *)o)->smm_changes++; }
static void vm_on_int(void *o, struct cpu *c, int vec, enum cpu_int_kind kind, int err,
		      uint16_t cs, uint32_t eip, uint16_t ncs, uint32_t neip)
{
	struct vm *v = o;
	(void)c; (void)cs; (void)eip; (void)ncs; (void)neip;
	v->last_vec = vec;
	v->last_kind = (int)kind;
	v->last_err = err;
	v->nints++;
}

static inline void vm_init(struct vm *v, uint64_t ram)
{
	memset(v, 0, sizeof(*v));
	v->m = mem_new(ram);
	struct cpu_bus bus = { v, vm_on_ack, vm_on_shutdown, vm_on_smm };
	v->c = cpu_new(v->m, &bus, NULL);
	struct cpu_hooks h = { .opaque = v, .interrupt = vm_on_int };
	cpu_set_hooks(v->c, &h);
	v->last_vec = -2;
}

static inline void vm_fini(struct vm *v)
{
	cpu_free(v->c);
	mem_free(v->m);
}

static inline void vm_seg(struct vm *v, enum cpu_seg s, uint16_t sel, uint32_t base, uint32_t limit,
			  uint16_t attr)
{
	struct cpu_segment g = { sel, attr, base, limit };
	cpu_set_seg(v->c, s, &g);
}

/* Real mode, CS:IP = cs:ip, other segments 0, SS:SP = 0:0x7000. */
static inline void vm_real(struct vm *v, uint16_t cs, uint16_t ip)
{
	cpu_reset(v->c);
	vm_seg(v, CPU_CS, cs, (uint32_t)cs << 4, 0xffff, 0x9b);
	cpu_set_reg(v->c, CPU_EIP, ip);
	cpu_set_reg(v->c, CPU_ESP, 0x7000);
}

/* GDT at 0x800: 0x08 flat 32-bit code, 0x10 flat data, 0x18 16-bit code
 * (base 0), 0x20 16-bit data (base 0, 64 KiB). IDT base 0x1000 limit 0x7ff. */
static inline void vm_write_gdt(struct vm *v)
{
	static const uint64_t gdt[] = {
		0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x00009a000000ffffull,
		0x000092000000ffffull,
	};
	for (unsigned k = 0; k < sizeof(gdt) / 8; k++) {
		mem_write(v->m, 0x800 + 8 * k, (uint32_t)gdt[k], 4);
		mem_write(v->m, 0x804 + 8 * k, (uint32_t)(gdt[k] >> 32), 4);
	}
	struct cpu_segment g = { 0, 0, 0x800, sizeof(gdt) - 1 };
	cpu_set_seg(v->c, CPU_GDTR, &g);
	struct cpu_segment i = { 0, 0, 0x1000, 0x7ff };
	cpu_set_seg(v->c, CPU_IDTR, &i);
}

/* Flat 32-bit protected mode, CPL 0, ESP = 0x9000, EIP = eip. */
static inline void vm_flat32(struct vm *v, uint32_t eip)
{
	cpu_reset(v->c);
	vm_write_gdt(v);
	cpu_set_reg(v->c, CPU_CR0, 0x60000011u);
	vm_seg(v, CPU_CS, 0x08, 0, 0xffffffffu, 0xc09b);
	vm_seg(v, CPU_DS, 0x10, 0, 0xffffffffu, 0xc093);
	vm_seg(v, CPU_ES, 0x10, 0, 0xffffffffu, 0xc093);
	vm_seg(v, CPU_SS, 0x10, 0, 0xffffffffu, 0xc093);
	vm_seg(v, CPU_FS, 0x10, 0, 0xffffffffu, 0xc093);
	vm_seg(v, CPU_GS, 0x10, 0, 0xffffffffu, 0xc093);
	cpu_set_reg(v->c, CPU_EIP, eip);
	cpu_set_reg(v->c, CPU_ESP, 0x9000);
}

/* An interrupt gate for vector vec to 0x08:target in the IDT at 0x1000. */
static inline void vm_idt_gate(struct vm *v, int vec, uint32_t target)
{
	uint32_t lo = (0x08u << 16) | (target & 0xffff);
	uint32_t hi = (target & 0xffff0000u) | 0x8e00u;
	mem_write(v->m, 0x1000 + 8 * (uint32_t)vec, lo, 4);
	mem_write(v->m, 0x1004 + 8 * (uint32_t)vec, hi, 4);
}

static inline void vm_load(struct vm *v, uint32_t addr, const void *bytes, size_t n)
{
	mem_write_buf(v->m, addr, bytes, n);
}

static inline enum cpu_stop vm_run(struct vm *v, uint64_t n)
{
	return cpu_run(v->c, cpu_icount(v->c) + n, UINT64_MAX);
}

static inline uint32_t vm_reg(struct vm *v, enum cpu_reg r) { return cpu_get_reg(v->c, r); }

#endif
