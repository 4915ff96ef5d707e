/* tests/test_cpu_blocks.c: the decoded-block cache and the block run loop
 * (cpu/exec.c, docs/cpu.md "Execution"): self-modifying code in the running
 * block, in an earlier block and through REP STOS; data next to code; run
 * limits falling inside a block or a REP; blocks and instructions at a page
 * boundary whose second page is remapped or rewritten; the retire hook. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "tests/cpu_vm.h"

static void load(struct vm *v, uint32_t addr, const uint8_t *code, size_t n)
{
	vm_load(v, addr, code, n);
}

/* A 1 MiB machine in flat 32-bit mode running code loaded at 0x1000. */
static void flat_vm(struct vm *v, const uint8_t *code, size_t n)
{
	vm_init(v, 1u << 20);
	vm_flat32(v, 0x1000);
	load(v, 0x1000, code, n);
}

/* Run from eip until the program reaches its final `jmp $` at spin (a HLT
 * would leave the CPU halted, and a test that runs the code again needs it
 * running). */
static void run_to_spin(struct vm *v, uint32_t eip, uint32_t spin, uint64_t budget)
{
	cpu_set_reg(v->c, CPU_EIP, eip);
	cr_assert_eq(vm_run(v, budget), CPU_STOP_DEADLINE);
	cr_assert_eq(vm_reg(v, CPU_EIP), spin, "at %x, not at the final jmp $ (%x)",
		     vm_reg(v, CPU_EIP), spin);
}

/* A store that overwrites the next instruction of the block being run takes
 * effect for that instruction (stores to the instruction stream are seen
 * by following instructions). */
Test(cpu_blocks, store_overwrites_next_insn_in_same_block)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x00, 0x00, 0x00,             /* 1000: mov eax, 1 */
		0xc6, 0x05, 0x11, 0x10, 0x00, 0x00, 0x40, /* 1005: mov byte [0x1011], 0x40 (inc eax) */
		0xbb, 0x02, 0x00, 0x00, 0x00,             /* 100c: mov ebx, 2 */
		0x90,                                     /* 1011: nop, becomes inc eax */
		0xf4,                                     /* 1012: hlt */
	};
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 2, "eax %u: the stale nop ran", vm_reg(&v, CPU_EAX));
	cr_expect_eq(vm_reg(&v, CPU_EBX), 2);
	cr_expect_eq(cpu_icount(v.c), 5);
	vm_fini(&v);
}

/* The same in 16-bit real mode, where the store also ends up in the block
 * that is running. */
Test(cpu_blocks, store_overwrites_next_insn_real_mode)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x00,                         /* 0100: mov ax, 1 */
		0xc6, 0x06, 0x0b, 0x01, 0x40,             /* 0103: mov byte [0x10b], 0x40 (inc ax) */
		0x90, 0x90, 0x90,                         /* 0108: nop x3 */
		0x90,                                     /* 010b: nop, becomes inc ax */
		0xf4,                                     /* 010c: hlt */
	};
	struct vm v;
	vm_init(&v, 1u << 20);
	vm_real(&v, 0x0000, 0x0100);
	load(&v, 0x100, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xffff, 2);
	vm_fini(&v);
}

/* A loop rewrites the immediate of an instruction in an earlier block on
 * the same page, decoded and executed before the first store: each pass
 * sees the bytes the previous pass stored. */
Test(cpu_blocks, store_into_earlier_block_loop)
{
	static const uint8_t code[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,             /* 1000: mov ecx, 3 */
		0xeb, 0x00,                               /* 1005: jmp 0x1007 */
		0x83, 0xc0, 0x01,                         /* 1007: add eax, 1 (imm at 0x1009) */
		0xeb, 0x04,                               /* 100a: jmp 0x1010 */
		0xf4, 0xf4, 0xf4, 0xf4,                   /* 100c: hlt (never) */
		0x88, 0x0d, 0x09, 0x10, 0x00, 0x00,       /* 1010: mov [0x1009], cl */
		0x49,                                     /* 1016: dec ecx */
		0x75, 0xee,                               /* 1017: jnz 0x1007 */
		0xf4,                                     /* 1019: hlt */
	};
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EAX, 0);
	cr_assert_eq(vm_run(&v, 1000), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 1 + 3 + 2, "eax %u: stale immediates", vm_reg(&v, CPU_EAX));
	vm_fini(&v);
}

/* Data sharing a page with code, right after its last byte: the stores
 * keep the code running correctly (and do not disturb the decoded code). */
Test(cpu_blocks, data_stores_on_code_page)
{
	static const uint8_t code[] = {
		0xb9, 0x64, 0x00, 0x00, 0x00,             /* 1000: mov ecx, 100 */
		0xff, 0x05, 0x11, 0x10, 0x00, 0x00,       /* 1005: inc dword [0x1011] */
		0x01, 0xc8,                               /* 100b: add eax, ecx */
		0xe2, 0xf6,                               /* 100d: loop 0x1005 */
		0xeb, 0xfe,                               /* 100f: jmp $ */
		0x00, 0x00, 0x00, 0x00,                   /* 1011: the counter */
	};
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EAX, 0);
	run_to_spin(&v, 0x1000, 0x100f, 1000);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 5050);
	cr_expect_eq(mem_read(v.m, 0x1011, 4), 100);
	/* Run it again: the same decoded code, the same results. */
	cpu_set_reg(v.c, CPU_EAX, 0);
	run_to_spin(&v, 0x1000, 0x100f, 1000);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 5050);
	cr_expect_eq(mem_read(v.m, 0x1011, 4), 200);
	vm_fini(&v);
}

/* REP STOS writing over code decoded in the following block: the rewrite
 * is seen the next time that code runs. */
Test(cpu_blocks, rep_stos_over_decoded_code)
{
	static const uint8_t code[] = {
		0xbf, 0x10, 0x10, 0x00, 0x00,             /* 1000: mov edi, 0x1010 */
		0xb9, 0x03, 0x00, 0x00, 0x00,             /* 1005: mov ecx, 3 */
		0xf3, 0xaa,                               /* 100a: rep stosb */
		0x90, 0x90, 0x90, 0x90,                   /* 100c: nop x4 */
		0x90, 0x90, 0x90,                         /* 1010: the target */
		0xeb, 0xfe,                               /* 1013: jmp $ */
	};
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EAX, 0x90);
	run_to_spin(&v, 0x1000, 0x1013, 100);
	cr_expect_eq(vm_reg(&v, CPU_EBX), 0);
	cpu_set_reg(v.c, CPU_EAX, 0x43);          /* inc ebx */
	run_to_spin(&v, 0x1000, 0x1013, 100);
	cr_expect_eq(vm_reg(&v, CPU_EBX), 3, "ebx %u: stale code ran", vm_reg(&v, CPU_EBX));
	vm_fini(&v);
}

/* Save the architectural state (icount and cycles included). */
static void state(struct vm *v, uint8_t *buf)
{
	memset(buf, 0, CPU_STATE_SIZE);
	cpu_state_save(v->c, buf, CPU_STATE_SIZE);
}

/* A program of long blocks with mixed costs, a REP MOVSB across a page
 * boundary, a loop and a final HLT, at 0x1000 in flat mode (flat_vm). */
static void mixed_vm(struct vm *v)
{
	static const uint8_t code[] = {
		0xbe, 0x00, 0x30, 0x00, 0x00,             /* 1000: mov esi, 0x3000 */
		0xbf, 0xf0, 0x5f, 0x00, 0x00,             /* 1005: mov edi, 0x5ff0 */
		0xb9, 0x40, 0x00, 0x00, 0x00,             /* 100a: mov ecx, 0x40 */
		0xf3, 0xa4,                               /* 100f: rep movsb */
		0xbb, 0x07, 0x00, 0x00, 0x00,             /* 1011: mov ebx, 7 */
		0xb8, 0x03, 0x00, 0x00, 0x00,             /* 1016: mov eax, 3 */
		0xf7, 0xe3,                               /* 101b: mul ebx (cost 4) */
		0x40, 0x40, 0x40, 0x40, 0x40, 0x40,       /* 101d: inc eax x6 */
		0xf7, 0xf3,                               /* 1023: div ebx (cost 20) */
		0x40, 0x40, 0x40, 0x40,                   /* 1025: inc eax x4 */
		0xb9, 0x05, 0x00, 0x00, 0x00,             /* 1029: mov ecx, 5 */
		0x01, 0xc8,                               /* 102e: add eax, ecx */
		0x0f, 0xaf, 0xc3,                         /* 1030: imul eax, ebx */
		0xe2, 0xf9,                               /* 1033: loop 0x102e */
		0xf4,                                     /* 1035: hlt */
	};
	flat_vm(v, code, sizeof(code));
	for (uint32_t k = 0; k < 0x40; k++)
		mem_write(v->m, 0x3000 + k, k * 7 + 1, 1);
}

/* Running in slices of n instructions, or to a cycle limit of the current
 * cycles + n, gives exactly the state of one run; every slice stops at its
 * limit. */
static int count_retires;
static void on_count(void *o, struct cpu *c, uint16_t cs, uint32_t eip)
{
	(void)o; (void)c; (void)cs; (void)eip;
	count_retires++;
}

static void run_sliced(int by_cycles, uint64_t n, int hooked)
{
	struct vm a, b;
	uint8_t sa[CPU_STATE_SIZE], sb[CPU_STATE_SIZE];
	mixed_vm(&a);
	cr_assert_eq(vm_run(&a, 100000), CPU_STOP_HLT);
	state(&a, sa);

	mixed_vm(&b);
	count_retires = 0;
	if (hooked) {
		struct cpu_hooks h = { .retire = on_count };
		cpu_set_hooks(b.c, &h);
	}
	enum cpu_stop st;
	int slices = 0;
	do {
		uint64_t i0 = cpu_icount(b.c), c0 = *cpu_cycles_ptr(b.c);
		if (by_cycles) {
			st = cpu_run(b.c, UINT64_MAX, c0 + n);
			if (st == CPU_STOP_DEADLINE) {
				uint64_t c1 = *cpu_cycles_ptr(b.c);
				cr_assert_geq(c1, c0 + n, "stopped early at cycle %llu", (unsigned long long)c1);
				/* The last instruction started below the limit. */
				cr_assert_lt(c1, c0 + n + 20);
			}
		} else {
			st = cpu_run(b.c, i0 + n, UINT64_MAX);
			if (st == CPU_STOP_DEADLINE)
				cr_assert_eq(cpu_icount(b.c), i0 + n, "slice %d stopped at %llu, not %llu",
					     slices, (unsigned long long)cpu_icount(b.c),
					     (unsigned long long)(i0 + n));
		}
		slices++;
		cr_assert_lt(slices, 100000);
	} while (st == CPU_STOP_DEADLINE);
	cr_assert_eq(st, CPU_STOP_HLT);
	if (hooked)
		cr_expect_eq((uint64_t)count_retires, cpu_icount(b.c), "%d retire calls for %llu",
			     count_retires, (unsigned long long)cpu_icount(b.c));
	state(&b, sb);
	cr_expect_eq(memcmp(sa, sb, CPU_STATE_SIZE), 0, "sliced run differs (n=%llu)",
		     (unsigned long long)n);
	for (uint32_t k = 0; k < 0x40; k++)
		cr_expect_eq(mem_read(b.m, 0x5ff0 + k, 1), mem_read(a.m, 0x5ff0 + k, 1));
	vm_fini(&a);
	vm_fini(&b);
}

Test(cpu_blocks, icount_deadline_mid_block)
{
	/* Exactly 3 instructions into a 5-instruction block. */
	static const uint8_t code[] = {
		0x40, 0x40, 0x40, 0x40, 0x40,             /* inc eax x5 */
		0xf4,
	};
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EAX, 0);
	cr_assert_eq(vm_run(&v, 3), CPU_STOP_DEADLINE);
	cr_expect_eq(cpu_icount(v.c), 3);
	cr_expect_eq(vm_reg(&v, CPU_EIP), 0x1003);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 3);
	cr_assert_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 5);
	cr_expect_eq(cpu_icount(v.c), 6);
	vm_fini(&v);
}

Test(cpu_blocks, sliced_by_icount_equals_one_run)
{
	static const uint64_t n[] = { 1, 2, 3, 7, 13, 50 };
	for (unsigned k = 0; k < sizeof(n) / sizeof(n[0]); k++)
		run_sliced(0, n[k], 0);
}

Test(cpu_blocks, sliced_with_retire_hook_equals_one_run)
{
	run_sliced(0, 1, 1);
	run_sliced(0, 9, 1);
	run_sliced(1, 7, 1);
	run_sliced(0, 1000000, 1);
}

Test(cpu_blocks, sliced_by_cycles_equals_one_run)
{
	static const uint64_t n[] = { 1, 2, 5, 11, 30 };
	for (unsigned k = 0; k < sizeof(n) / sizeof(n[0]); k++)
		run_sliced(1, n[k], 0);
}

/* Paging: PD at 0x100000, PT at 0x101000 mapping 0-4 MiB identically;
 * linear 0x2000 -> phys, the code's second page. */
static void paging_on(struct vm *v, uint32_t page2_phys)
{
	mem_write(v->m, 0x100000, 0x101000 | 7, 4);
	for (uint32_t k = 0; k < 1024; k++)
		mem_write(v->m, 0x101000 + 4 * k, (k << 12) | 3, 4);
	mem_write(v->m, 0x101000 + 4 * 2, page2_phys | 3, 4);
	cpu_set_reg(v->c, CPU_CR3, 0x100000);
	cpu_set_reg(v->c, CPU_CR0, cpu_get_reg(v->c, CPU_CR0) | 0x80000000u);
}

/* Code running from one page into the next (a block ending at the page
 * end, then an instruction straddling the next boundary): the guest remaps
 * the second page (PTE store + INVLPG) and later rewrites its bytes; each
 * run sees the current mapping and bytes. */
Test(cpu_blocks, page_crossing_remap_and_rewrite)
{
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_flat32(&v, 0x1ff0);
	/* Page 1 (linear 0x1000, identity): 0x1ff0 mov ebx, 0x11; nops to the
	 * end of the page. */
	static const uint8_t p1[] = { 0xbb, 0x11, 0x00, 0x00, 0x00 };
	load(&v, 0x1ff0, p1, sizeof(p1));
	for (uint32_t a = 0x1ff5; a < 0x2000; a++)
		mem_write(v.m, a, 0x90, 1);
	/* Page 2 versions at phys 0x5000 and 0x6000: 0x2000 mov ecx, imm32;
	 * then a mov eax, imm32 straddling 0x3000 (0x2ffe: b8 + 1 byte, then
	 * 3 bytes in page 3 at phys 0x3000); hlt. */
	static const uint8_t a2[] = { 0xb9, 0xaa, 0x00, 0x00, 0x00, 0xeb, 0x00 };
	static const uint8_t b2[] = { 0xb9, 0xbb, 0x00, 0x00, 0x00, 0xeb, 0x00 };
	load(&v, 0x5000, a2, sizeof(a2));
	load(&v, 0x6000, b2, sizeof(b2));
	for (uint32_t a = 0x5007; a < 0x5ffe; a++)
		mem_write(v.m, a, 0x90, 1);
	for (uint32_t a = 0x6007; a < 0x6ffe; a++)
		mem_write(v.m, a, 0x90, 1);
	static const uint8_t s5[] = { 0xb8, 0x34 }, s6[] = { 0xb8, 0x56 };
	load(&v, 0x5ffe, s5, 2);
	load(&v, 0x6ffe, s6, 2);
	static const uint8_t p3[] = { 0x12, 0x00, 0x00, 0xeb, 0xfe };   /* imm rest; jmp $ */
	load(&v, 0x3000, p3, sizeof(p3));
	/* The remapping routine at 0x1100: mov dword [0x101008], 0x6003;
	 * invlpg [0x2000]; jmp 0x1ff0. */
	static const uint8_t remap[] = {
		0xc7, 0x05, 0x08, 0x10, 0x10, 0x00, 0x03, 0x60, 0x00, 0x00,
		0x0f, 0x01, 0x3d, 0x00, 0x20, 0x00, 0x00,
		0xe9, 0xda, 0x0e, 0x00, 0x00,             /* jmp 0x1ff0 (from 0x1116) */
	};
	load(&v, 0x1100, remap, sizeof(remap));
	paging_on(&v, 0x5000);

	run_to_spin(&v, 0x1ff0, 0x3003, 10000);
	cr_expect_eq(vm_reg(&v, CPU_EBX), 0x11);
	cr_expect_eq(vm_reg(&v, CPU_ECX), 0xaa);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0x1234, "eax %x", vm_reg(&v, CPU_EAX));
	/* Again, unchanged: the same result from the cached blocks. */
	run_to_spin(&v, 0x1ff0, 0x3003, 10000);
	cr_expect_eq(vm_reg(&v, CPU_ECX), 0xaa);
	/* The guest remaps linear 0x2000 to phys 0x6000. */
	run_to_spin(&v, 0x1100, 0x3003, 10000);
	cr_expect_eq(vm_reg(&v, CPU_ECX), 0xbb, "ecx %x: old mapping", vm_reg(&v, CPU_ECX));
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0x1256, "eax %x", vm_reg(&v, CPU_EAX));
	/* Rewrite the second page's bytes (a device-style write) and the
	 * straddling instruction's tail on page 3 (a guest store). */
	mem_write(v.m, 0x6001, 0xcc, 1);
	run_to_spin(&v, 0x1ff0, 0x3003, 10000);
	cr_expect_eq(vm_reg(&v, CPU_ECX), 0xcc, "ecx %x: stale bytes", vm_reg(&v, CPU_ECX));
	static const uint8_t patch[] = {
		0xc6, 0x05, 0x00, 0x30, 0x00, 0x00, 0x78, /* 1200: mov byte [0x3000], 0x78 */
		0xe9, 0xe4, 0x0d, 0x00, 0x00,             /* 1207: jmp 0x1ff0 (from 0x120c) */
	};
	load(&v, 0x1200, patch, sizeof(patch));
	run_to_spin(&v, 0x1200, 0x3003, 10000);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0x7856, "eax %x", vm_reg(&v, CPU_EAX));
	vm_fini(&v);
}

/* The retire hook still fires once per instruction, with the address of
 * the instruction that retired, inside blocks. */
static uint32_t hook_eips[64];
static int hook_n;
static void on_retire(void *o, struct cpu *c, uint16_t cs, uint32_t eip)
{
	(void)o; (void)c; (void)cs;
	if (hook_n < 64)
		hook_eips[hook_n] = eip;
	hook_n++;
}

Test(cpu_blocks, retire_hook_per_instruction)
{
	/* Two passes through the loop: decoding the blocks, then from the
	 * cache. */
	static const uint8_t code[] = {
		0x40,                                     /* 1000: inc eax */
		0x01, 0xc3,                               /* 1001: add ebx, eax */
		0x40,                                     /* 1003: inc eax */
		0x75, 0x00,                               /* 1004: jnz 1006 */
		0x49,                                     /* 1006: dec ecx */
		0x75, 0xf7,                               /* 1007: jnz 1000 */
		0xf4,                                     /* 1009: hlt */
	};
	static const uint32_t pass[] = { 0x1000, 0x1001, 0x1003, 0x1004, 0x1006, 0x1007 };
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_ECX, 2);
	struct cpu_hooks h = { .opaque = &v, .retire = on_retire };
	cpu_set_hooks(v.c, &h);
	hook_n = 0;
	cr_assert_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_assert_eq(hook_n, 13, "%d retires", hook_n);
	cr_expect_eq(cpu_icount(v.c), 13);
	for (int k = 0; k < 12; k++)
		cr_expect_eq(hook_eips[k], pass[k % 6], "retire %d at %x", k, hook_eips[k]);
	cr_expect_eq(hook_eips[12], 0x1009);
	vm_fini(&v);
}

/* A hook installed between runs over cached blocks sees every instruction;
 * one that removes itself from inside sees exactly up to there. */
static int remove_after;
static struct cpu *hook_cpu;
static void on_retire_remove(void *o, struct cpu *c, uint16_t cs, uint32_t eip)
{
	(void)o; (void)cs; (void)eip;
	if (++hook_n == remove_after)
		cpu_set_hooks(c, NULL);
}

Test(cpu_blocks, retire_hook_installed_and_removed)
{
	static const uint8_t code[] = {
		0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, /* 1000: inc eax x7 */
		0x49,                                     /* 1007: dec ecx */
		0x75, 0xf6,                               /* 1008: jnz 0x1000 */
		0xf4,                                     /* 100a: hlt */
	};
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_ECX, 10);
	cr_assert_eq(vm_run(&v, 45), CPU_STOP_DEADLINE);   /* 4.5 passes, blocks cached */
	hook_cpu = v.c;
	hook_n = 0;
	remove_after = 20;
	struct cpu_hooks h = { .retire = on_retire_remove };
	cpu_set_hooks(v.c, &h);
	cr_assert_eq(vm_run(&v, 1000), CPU_STOP_HLT);
	cr_expect_eq(hook_n, 20);
	cr_expect_eq(cpu_icount(v.c), 10 * 9 + 1);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 70);
	vm_fini(&v);
}

/* Vector 0x20 pending on INTR, its handler at 0x2000, the hook on_int told
 * of every delivery. */
static void intr_pending(struct vm *v, const uint8_t *handler, size_t n,
			 void (*on_int)(void *, struct cpu *, int, enum cpu_int_kind, int, uint16_t,
					uint32_t, uint16_t, uint32_t))
{
	load(v, 0x2000, handler, n);
	vm_idt_gate(v, 0x20, 0x2000);
	struct cpu_hooks h = { .opaque = v, .interrupt = on_int };
	cpu_set_hooks(v->c, &h);
	v->intr_vector = 0x20;
	cpu_set_intr(v->c, 1);
}

/* INTR held while IF = 0: blocks run and link with the line masked; POPF
 * setting IF must let the interrupt in right after it, also when the next
 * block is already linked (second pass), not at a later block boundary. */
static void on_int_lower(void *o, struct cpu *c, int vec, enum cpu_int_kind kind, int err,
			 uint16_t cs, uint32_t eip, uint16_t ncs, uint32_t neip)
{
	(void)o; (void)kind; (void)err; (void)cs; (void)eip; (void)ncs; (void)neip;
	if (vec == 0x20)
		cpu_set_intr(c, 0);
}

Test(cpu_blocks, popf_enabling_if_takes_pending_intr_at_once)
{
	static const uint8_t code[] = {
		0xb9, 0x64, 0x00, 0x00, 0x00,             /* 1000: mov ecx, 100 */
		0x49,                                     /* 1005: dec ecx */
		0x75, 0xfd,                               /* 1006: jnz 0x1005 */
		0x52,                                     /* 1008: push edx */
		0x9d,                                     /* 1009: popf (IF = 0, then 1) */
		0x43,                                     /* 100a: inc ebx */
		0xba, 0x02, 0x02, 0x00, 0x00,             /* 100b: mov edx, 0x202 */
		0x83, 0xfb, 0x02,                         /* 1010: cmp ebx, 2 */
		0x72, 0xeb,                               /* 1013: jb 0x1000 */
		0xf4,                                     /* 1015: hlt */
	};
	static const uint8_t handler[] = {
		0x89, 0xd8,                               /* 2000: mov eax, ebx */
		0xcf,                                     /* 2002: iretd */
	};
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EAX, 0xdead);
	cpu_set_reg(v.c, CPU_EDX, 0x2);
	intr_pending(&v, handler, sizeof(handler), on_int_lower);
	cr_assert_eq(vm_run(&v, 1000), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 1, "eax %x: the interrupt came late", vm_reg(&v, CPU_EAX));
	cr_expect_eq(vm_reg(&v, CPU_EBX), 2);
	vm_fini(&v);
}

/* Register-only instructions skip the event test in their tail, so a block
 * must not start with something takeable pending: after STI (or MOV SS)
 * the shadowed instruction runs alone and the interrupt comes right after
 * it, not after the register-only run that follows in the same block. */
static uint32_t ebx_at_int;
static void on_int_ebx(void *o, struct cpu *c, int vec, enum cpu_int_kind kind, int err,
		       uint16_t cs, uint32_t eip, uint16_t ncs, uint32_t neip)
{
	(void)o; (void)kind; (void)err; (void)cs; (void)eip; (void)ncs; (void)neip;
	if (vec == 0x20) {
		ebx_at_int = cpu_get_reg(c, CPU_EBX);
		cpu_set_intr(c, 0);
	}
}

Test(cpu_blocks, sti_shadow_then_register_only_run)
{
	static const uint8_t code[] = {
		0xfb,                                     /* 1000: sti */
		0x43, 0x43, 0x43, 0x43,                   /* 1001: inc ebx (x4) */
		0xf4,                                     /* 1005: hlt */
	};
	static const uint8_t handler[] = { 0xcf };    /* 2000: iretd */
	struct vm v;
	flat_vm(&v, code, sizeof(code));
	ebx_at_int = 0xdead;
	intr_pending(&v, handler, sizeof(handler), on_int_ebx);
	cr_assert_eq(vm_run(&v, 1000), CPU_STOP_HLT);
	cr_expect_eq(ebx_at_int, 1, "ebx %x at the interrupt", ebx_at_int);
	cr_expect_eq(vm_reg(&v, CPU_EBX), 4);
	vm_fini(&v);
}

/* The handlers the threaded loop inlines (exec.c, run_hot()) give the same
 * registers, flags and memory as their op_ functions, which a run with a
 * retire hook calls (one instruction at a time through the generic
 * dispatch): every inlined form, with the lazy flags they leave read by
 * ADC/SBB and Jcc. */
Test(cpu_blocks, inlined_handlers_match_called_ones)
{
	static const uint8_t code[] = {
		0xb9, 0x32, 0x00, 0x00, 0x00,             /* 1000: mov ecx, 50 */
		0xb8, 0x78, 0x56, 0x34, 0x12,             /* 1005: mov eax, 0x12345678 */
		0xbb, 0x00, 0x20, 0x00, 0x00,             /* 100a: mov ebx, 0x2000 */
		0x89, 0x03,                               /* 100f: mov [ebx], eax */
		0x8b, 0x13,                               /* mov edx, [ebx] */
		0x39, 0x0b,                               /* cmp [ebx], ecx */
		0x19, 0xf6,                               /* sbb esi, esi */
		0x29, 0xca,                               /* sub edx, ecx */
		0x01, 0xd0,                               /* add eax, edx */
		0x31, 0xc7,                               /* xor edi, eax */
		0x81, 0xff, 0x00, 0x10, 0x00, 0x00,       /* cmp edi, 0x1000 */
		0x83, 0xd6, 0x00,                         /* adc esi, 0 */
		0x83, 0xc6, 0x03,                         /* add esi, 3 */
		0x83, 0xef, 0x05,                         /* sub edi, 5 */
		0x83, 0xe2, 0x7f,                         /* and edx, 0x7f */
		0x83, 0xfa, 0x40,                         /* cmp edx, 0x40 */
		0x83, 0xd0, 0x00,                         /* adc eax, 0 */
		0x25, 0xff, 0xff, 0xff, 0x0f,             /* and eax, 0x0fffffff */
		0x42,                                     /* inc edx */
		0x4f,                                     /* dec edi */
		0x11, 0xd6,                               /* adc esi, edx */
		0x89, 0xfa,                               /* mov edx, edi */
		0x8b, 0xeb,                               /* mov ebp, ebx */
		0xd1, 0xea,                               /* shr edx, 1 */
		0xc1, 0xe0, 0x03,                         /* shl eax, 3 */
		0xf7, 0xda,                               /* neg edx */
		0x11, 0xd6,                               /* adc esi, edx */
		0x85, 0xd0,                               /* test eax, edx */
		0x0f, 0x94, 0xc0,                         /* sete al */
		0xeb, 0x00,                               /* jmp $+2 */
		0xc6, 0x43, 0x05, 0x9c,                   /* mov byte [ebx+5], 0x9c */
		0x88, 0x43, 0x06,                         /* mov [ebx+6], al */
		0x0f, 0xb6, 0x53, 0x05,                   /* movzx edx, byte [ebx+5] */
		0x80, 0x7b, 0x06, 0x40,                   /* cmp byte [ebx+6], 0x40 */
		0x83, 0xd6, 0x00,                         /* adc esi, 0 */
		0xff, 0x43, 0x08,                         /* inc dword [ebx+8] */
		0x8d, 0x7c, 0x73, 0x03,                   /* lea edi, [ebx+esi*2+3] */
		0x49,                                     /* dec ecx */
		0x75, 0xa1,                               /* 106c: jnz 0x100f */
		0xf4,                                     /* 106e: hlt */
	};
	struct vm a, b;
	uint8_t sa[CPU_STATE_SIZE], sb[CPU_STATE_SIZE];
	flat_vm(&a, code, sizeof(code));
	cr_assert_eq(vm_run(&a, 100000), CPU_STOP_HLT);
	state(&a, sa);
	cr_expect_eq(cpu_icount(a.c), 3 + 50 * 36 + 1);

	flat_vm(&b, code, sizeof(code));
	struct cpu_hooks h = { .retire = on_count };
	cpu_set_hooks(b.c, &h);
	cr_assert_eq(vm_run(&b, 100000), CPU_STOP_HLT);
	state(&b, sb);
	cr_expect_eq(memcmp(sa, sb, CPU_STATE_SIZE), 0, "inlined handlers differ: eax %x/%x "
		     "edx %x/%x esi %x/%x edi %x/%x", vm_reg(&a, CPU_EAX), vm_reg(&b, CPU_EAX),
		     vm_reg(&a, CPU_EDX), vm_reg(&b, CPU_EDX), vm_reg(&a, CPU_ESI),
		     vm_reg(&b, CPU_ESI), vm_reg(&a, CPU_EDI), vm_reg(&b, CPU_EDI));
	for (uint32_t k = 0; k < 12; k += 4)
		cr_expect_eq(mem_read(a.m, 0x2000 + k, 4), mem_read(b.m, 0x2000 + k, 4));
	cr_expect_eq(mem_read(a.m, 0x2008, 4), 50, "inc dword [ebx+8] ran 50 times");
	vm_fini(&a);
	vm_fini(&b);
}
