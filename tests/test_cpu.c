/* tests/test_cpu.c: the x86 core in real mode on raw instruction bytes:
 * reset state, flags, icount/cycle semantics, REP, interrupts and the
 * interrupt shadow, faults, self-modifying code, A20, state save/load. */
#include <criterion/criterion.h>

#include "tests/cpu_vm.h"

#define FL_CF 0x001u
#define FL_PF 0x004u
#define FL_AF 0x010u
#define FL_ZF 0x040u
#define FL_SF 0x080u
#define FL_IF 0x200u
#define FL_OF 0x800u

/* Every IVT vector points at 0000:0500, where a HLT sits. */
static void ivt_to_hlt(struct vm *v)
{
	for (uint32_t k = 0; k < 256; k++)
		mem_write(v->m, 4 * k, 0x00000500, 4);
	mem_write(v->m, 0x500, 0xf4, 1);
}

static void setup(struct vm *v, const uint8_t *code, size_t n)
{
	vm_init(v, 2u << 20);
	ivt_to_hlt(v);
	vm_real(v, 0, 0x1000);
	vm_load(v, 0x1000, code, n);
}

/* SDM Vol. 3 §9.1.1, table 9-1. */
Test(cpu, reset_state)
{
	struct vm v;
	vm_init(&v, 1u << 20);
	struct cpu_segment cs;
	cpu_get_seg(v.c, CPU_CS, &cs);
	cr_expect_eq(cs.selector, 0xf000);
	cr_expect_eq(cs.base, 0xffff0000u);
	cr_expect_eq(cs.limit, 0xffff);
	cr_expect_eq(vm_reg(&v, CPU_EIP), 0xfff0);
	cr_expect_eq(vm_reg(&v, CPU_CR0), 0x60000010u);
	cr_expect_eq(vm_reg(&v, CPU_EFLAGS), 2);
	struct cpu_model m;
	cpu_model_default(&m);
	cr_expect_eq(vm_reg(&v, CPU_EDX), m.signature);
	vm_fini(&v);
}

Test(cpu, add_flags_lazy)
{
	/* mov al,1; add al,0xff; hlt */
	static const uint8_t code[] = { 0xb0, 0x01, 0x04, 0xff, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	uint32_t f = vm_reg(&v, CPU_EFLAGS);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xff, 0);
	cr_expect_eq(f & (FL_CF | FL_ZF | FL_AF | FL_PF | FL_SF | FL_OF), FL_CF | FL_ZF | FL_AF | FL_PF);
	vm_fini(&v);
}

Test(cpu, sub_overflow_and_jcc)
{
	/* mov ax,0x8000; sub ax,1; jo +2; mov bl,1; mov bh,2; hlt */
	static const uint8_t code[] = { 0xb8, 0x00, 0x80, 0x2d, 0x01, 0x00, 0x70, 0x02,
					0xb3, 0x01, 0xb7, 0x02, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xffff, 0x7fff);
	cr_expect_eq(vm_reg(&v, CPU_EBX) & 0xffff, 0x0200, "jo must skip mov bl");
	cr_expect(vm_reg(&v, CPU_EFLAGS) & FL_OF);
	vm_fini(&v);
}

Test(cpu, operand_size_prefix_in_real_mode)
{
	/* mov eax,0x12345678; shl eax,4; bswap eax; hlt */
	static const uint8_t code[] = { 0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, 0x66, 0xc1, 0xe0, 0x04,
					0x66, 0x0f, 0xc8, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0x80674523u);
	vm_fini(&v);
}

/* DESIGN.md §2: +1 per REP iteration, HLT retires once. */
Test(cpu, icount_rep_and_hlt)
{
	/* mov cx,5; rep stosb; hlt */
	static const uint8_t code[] = { 0xb9, 0x05, 0x00, 0xf3, 0xaa, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EDI, 0x2000);
	cpu_set_reg(v.c, CPU_EAX, 0x5a);
	uint64_t i0 = cpu_icount(v.c);
	cr_assert_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_expect_eq(cpu_icount(v.c) - i0, 1 + 5 + 1);
	cr_expect_eq(mem_read(v.m, 0x2004, 1), 0x5a);
	cr_expect_eq(mem_read(v.m, 0x2005, 1), 0);
	/* HLT again without an interrupt: nothing retires. */
	uint64_t i1 = cpu_icount(v.c);
	cr_expect_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_expect_eq(cpu_icount(v.c), i1);
	vm_fini(&v);
}

Test(cpu, rep_with_zero_count_retires_once)
{
	static const uint8_t code[] = { 0xf3, 0xa4, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	uint64_t i0 = cpu_icount(v.c);
	cr_assert_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_expect_eq(cpu_icount(v.c) - i0, 2);
	vm_fini(&v);
}

Test(cpu, run_stops_exactly_inside_rep)
{
	/* mov cx,10; rep movsb; hlt */
	static const uint8_t code[] = { 0xb9, 0x0a, 0x00, 0xf3, 0xa4, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_ESI, 0x3000);
	cpu_set_reg(v.c, CPU_EDI, 0x4000);
	uint64_t i0 = cpu_icount(v.c);
	cr_assert_eq(cpu_run(v.c, i0 + 4, UINT64_MAX), CPU_STOP_DEADLINE);
	cr_expect_eq(cpu_icount(v.c), i0 + 4);
	cr_expect_eq(vm_reg(&v, CPU_ECX) & 0xffff, 7, "three iterations done");
	cr_expect_eq(vm_reg(&v, CPU_EIP), 0x1003, "EIP stays on the REP instruction");
	cr_assert_eq(vm_run(&v, 100), CPU_STOP_HLT);
	cr_expect_eq(cpu_icount(v.c), i0 + 1 + 10 + 1);
	cr_expect_eq(vm_reg(&v, CPU_EDI) & 0xffff, 0x400a);
	vm_fini(&v);
}

Test(cpu, cycles_accumulate_and_limit)
{
	static const uint8_t code[] = { 0x90, 0x90, 0x90, 0x90, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	uint64_t c0 = *cpu_cycles_ptr(v.c);
	cr_assert_eq(cpu_run(v.c, UINT64_MAX, c0 + 2), CPU_STOP_DEADLINE);
	cr_expect_eq(*cpu_cycles_ptr(v.c), c0 + 2, "NOP costs 1 cycle");
	cr_expect_eq(vm_reg(&v, CPU_EIP), 0x1002);
	vm_fini(&v);
}

/* A faulting instruction does not retire and changes nothing (DIV by 0). */
Test(cpu, fault_does_not_retire)
{
	/* mov bx,0; div bx  (#DE -> IVT 0 -> hlt at 0x500) */
	static const uint8_t code[] = { 0xbb, 0x00, 0x00, 0xf7, 0xf3 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EAX, 0x1234);
	uint64_t i0 = cpu_icount(v.c);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(cpu_icount(v.c) - i0, 2, "mov and the handler's hlt retire, div does not");
	cr_expect_eq(v.last_vec, 0);
	cr_expect_eq(v.last_kind, CPU_INT_EXCEPTION);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0x1234);
	/* The pushed return address is the DIV itself. */
	cr_expect_eq(mem_read(v.m, 0x7000 - 6, 2), 0x1003);
	vm_fini(&v);
}

/* Real-mode limit checks still apply (SDM Vol. 3 §20.1.2): a word at SS:FFFF
 * raises #SS; at DS:FFFF #GP. */
Test(cpu, real_mode_limit_faults)
{
	static const uint8_t code[] = { 0x36, 0xa1, 0xff, 0xff };
	struct vm v;
	setup(&v, code, sizeof(code));
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 12);
	static const uint8_t code2[] = { 0xa1, 0xff, 0xff };
	vm_real(&v, 0, 0x1000);
	vm_load(&v, 0x1000, code2, sizeof(code2));
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 13);
	vm_fini(&v);
}

/* PUSH with SP=1 in real mode cannot even deliver its #SS: shutdown. */
Test(cpu, push_at_sp1_shuts_down)
{
	static const uint8_t code[] = { 0x50 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_ESP, 1);
	cr_expect_eq(vm_run(&v, 5), CPU_STOP_SHUTDOWN);
	cr_expect_eq(v.shutdowns, 1);
	vm_fini(&v);
}

Test(cpu, lock_on_non_lockable_is_ud)
{
	static const uint8_t code[] = { 0xf0, 0x90 };
	struct vm v;
	setup(&v, code, sizeof(code));
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 6);
	vm_fini(&v);
}

Test(cpu, lock_on_register_form_is_ud)
{
	static const uint8_t code[] = { 0xf0, 0x01, 0xc0 };
	struct vm v;
	setup(&v, code, sizeof(code));
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 6);
	vm_fini(&v);
}

Test(cpu, lock_add_memory_is_allowed)
{
	static const uint8_t code[] = { 0xf0, 0x01, 0x06, 0x00, 0x20, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EAX, 5);
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	cr_expect_eq(v.nints, 0);
	cr_expect_eq(mem_read(v.m, 0x2000, 2), 5);
	vm_fini(&v);
}

/* SDM Vol. 2 §2.1: more than 15 bytes raises #GP(0). */
Test(cpu, sixteen_byte_instruction_is_gp)
{
	uint8_t code[17];
	memset(code, 0x26, 14);
	code[14] = 0x90;       /* 15 bytes: fine */
	code[15] = 0xf4;
	struct vm v;
	setup(&v, code, 16);
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	cr_expect_eq(v.nints, 0);
	memset(code, 0x26, 15);
	code[15] = 0x90;       /* 16 bytes */
	vm_real(&v, 0, 0x1000);
	vm_load(&v, 0x1000, code, 16);
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 13);
	vm_fini(&v);
}

Test(cpu, ud2_and_undefined_opcode)
{
	static const uint8_t code[] = { 0x0f, 0x0b };
	struct vm v;
	setup(&v, code, sizeof(code));
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 6);
	static const uint8_t code2[] = { 0x0f, 0xff };
	vm_real(&v, 0, 0x1000);
	vm_load(&v, 0x1000, code2, 2);
	v.last_vec = -2;
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 6);
	vm_fini(&v);
}

/* External interrupts are taken at boundaries; STI delays them by one. */
Test(cpu, sti_shadow_and_intr)
{
	/* sti; inc bx; hlt */
	static const uint8_t code[] = { 0xfb, 0x43, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	v.intr_vector = 0x08;
	cpu_set_intr(v.c, 1);
	uint64_t i0 = cpu_icount(v.c);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(v.last_vec, 8);
	cr_expect_eq(v.last_kind, CPU_INT_HARD);
	cr_expect_eq(vm_reg(&v, CPU_EBX) & 0xffff, 1, "inc bx ran before the interrupt");
	cr_expect_eq(mem_read(v.m, 0x7000 - 6, 2), 0x1002, "return address after inc");
	cr_expect_eq(cpu_icount(v.c) - i0, 3, "delivery retires nothing");
	vm_fini(&v);
}

Test(cpu, hlt_wakes_on_interrupt)
{
	/* sti; hlt; inc bx; hlt */
	static const uint8_t code[] = { 0xfb, 0xf4, 0x43, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	/* The handler at 0x500 is "inc cx; iret". */
	mem_write(v.m, 0x500, 0x41, 1);
	mem_write(v.m, 0x501, 0xcf, 1);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect(cpu_halted(v.c));
	v.intr_vector = 0x20;
	cpu_set_intr(v.c, 1);
	cpu_run(v.c, cpu_icount(v.c) + 2, UINT64_MAX);
	cpu_set_intr(v.c, 0);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_ECX) & 0xffff, 1);
	cr_expect_eq(vm_reg(&v, CPU_EBX) & 0xffff, 1);
	vm_fini(&v);
}

Test(cpu, mov_ss_shadow)
{
	/* mov ss,ax; inc bx; hlt: the interrupt comes after inc bx */
	static const uint8_t code[] = { 0x8e, 0xd0, 0x43, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EFLAGS, 0x202);
	v.intr_vector = 0x09;
	cpu_run(v.c, cpu_icount(v.c) + 1, UINT64_MAX);
	cpu_set_intr(v.c, 1);
	cpu_run(v.c, cpu_icount(v.c) + 1, UINT64_MAX);
	cr_expect_eq(vm_reg(&v, CPU_EBX) & 0xffff, 1);
	cr_expect_eq(v.nints, 0, "no interrupt inside the MOV SS shadow");
	cpu_run(v.c, cpu_icount(v.c) + 1, UINT64_MAX);
	cr_expect_eq(v.last_vec, 9);
	vm_fini(&v);
}

Test(cpu, int_n_and_iret)
{
	/* int 0x21; inc bx; hlt -- handler: mov cx,7; iret */
	static const uint8_t code[] = { 0xcd, 0x21, 0x43, 0xf4 };
	static const uint8_t handler[] = { 0xb9, 0x07, 0x00, 0xcf };
	struct vm v;
	setup(&v, code, sizeof(code));
	mem_write(v.m, 0x21 * 4, 0x00000600, 4);
	vm_load(&v, 0x600, handler, sizeof(handler));
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(v.last_vec, 0x21);
	cr_expect_eq(v.last_kind, CPU_INT_SOFT);
	cr_expect_eq(vm_reg(&v, CPU_ECX) & 0xffff, 7);
	cr_expect_eq(vm_reg(&v, CPU_EBX) & 0xffff, 1);
	cr_expect_eq(vm_reg(&v, CPU_ESP), 0x7000);
	vm_fini(&v);
}

Test(cpu, self_modifying_code)
{
	/* mov byte [0x1008],0x42 (turns "inc ax" into "inc dx"); nop; nop; inc ax; hlt,
	 * run twice over the same bytes so the first version is cached. */
	static const uint8_t code[] = { 0xc6, 0x06, 0x08, 0x10, 0x42, 0x90, 0x90, 0x90, 0x40, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	/* First pass: execute from 0x1005 only (caches "inc ax"). */
	cpu_set_reg(v.c, CPU_EIP, 0x1005);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xffff, 1);
	vm_real(&v, 0, 0x1000);
	cpu_set_reg(v.c, CPU_EDX, 0);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EDX) & 0xffff, 1, "the modified instruction ran");
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xffff, 0);
	vm_fini(&v);
}

Test(cpu, self_modifying_code_patches_an_immediate)
{
	/* mov byte [0x100c],7 patches the immediate of "mov al,1" at 0x100b: the
	 * write hits the second byte of an instruction already decoded, which the
	 * code-byte map must cover (its whole length, not its slot's old one). */
	static const uint8_t code[] = { 0xc6, 0x06, 0x0c, 0x10, 0x07, 0x90, 0x90, 0x90, 0x90, 0x90,
					0x90, 0xb0, 0x01, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EIP, 0x100b);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xff, 1);
	vm_real(&v, 0, 0x1000);
	cr_assert_eq(vm_run(&v, 20), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xff, 7, "the patched immediate ran");
	vm_fini(&v);
}

Test(cpu, a20_masking)
{
	/* mov ax,0xffff; mov ds,ax; mov al,[0x10]; hlt -> reads linear 0x100000 */
	static const uint8_t code[] = { 0xb8, 0xff, 0xff, 0x8e, 0xd8, 0xa0, 0x10, 0x00, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	mem_write(v.m, 0x100000, 0xaa, 1);
	mem_write(v.m, 0x000000, 0x55, 1);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xff, 0xaa);
	cpu_set_a20(v.c, 0);
	vm_real(&v, 0, 0x1000);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xff, 0x55, "A20 off wraps to 0");
	vm_fini(&v);
}

Test(cpu, cpuid_and_eflags_id)
{
	/* pushfd; pop eax; mov ebx,eax; xor eax,0x200000; push eax; popfd; pushfd; pop eax;
	 * xor eax,ebx; mov esi,eax; xor eax,eax; cpuid; hlt */
	static const uint8_t code[] = {
		0x66, 0x9c, 0x66, 0x58, 0x66, 0x89, 0xc3, 0x66, 0x35, 0x00, 0x00, 0x20, 0x00,
		0x66, 0x50, 0x66, 0x9d, 0x66, 0x9c, 0x66, 0x58, 0x66, 0x31, 0xd8, 0x66, 0x89, 0xc6,
		0x66, 0x31, 0xc0, 0x0f, 0xa2, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 20), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_ESI), 0x200000u, "EFLAGS.ID toggles");
	cr_expect_eq(vm_reg(&v, CPU_EBX), 0x756e6547u);   /* "Genu" */
	cr_expect_eq(vm_reg(&v, CPU_EDX), 0x49656e69u);   /* "ineI" */
	cr_expect_eq(vm_reg(&v, CPU_ECX), 0x6c65746eu);   /* "ntel" */
	cr_expect_geq(vm_reg(&v, CPU_EAX), 1);
	vm_fini(&v);
}

Test(cpu, cpuid_features_honest)
{
	static const uint8_t code[] = { 0x66, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	uint32_t edx = vm_reg(&v, CPU_EDX);
	cr_expect_eq(edx & CPU_FEAT_FPU, 0, "no FPU");
	cr_expect_eq(edx & CPU_FEAT_APIC, 0, "no APIC in the default model");
	cr_expect(edx & CPU_FEAT_TSC);
	cr_expect(edx & CPU_FEAT_CX8);
	cr_expect(edx & CPU_FEAT_CMOV);
	vm_fini(&v);
}

Test(cpu, rdtsc_reads_cycles)
{
	static const uint8_t code[] = { 0x90, 0x90, 0x0f, 0x31, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_add_cycles(v.c, 1000);
	uint64_t c0 = *cpu_cycles_ptr(v.c);
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	uint64_t tsc = ((uint64_t)vm_reg(&v, CPU_EDX) << 32) | vm_reg(&v, CPU_EAX);
	cr_expect_eq(tsc, c0 + 2, "TSC = cycles before RDTSC retires");
	vm_fini(&v);
}

Test(cpu, rdmsr_unknown_is_gp)
{
	static const uint8_t code[] = { 0x66, 0xb9, 0x77, 0x07, 0x00, 0x00, 0x0f, 0x32 };
	struct vm v;
	setup(&v, code, sizeof(code));
	vm_run(&v, 2);
	cr_expect_eq(v.last_vec, 13);
	vm_fini(&v);
}

Test(cpu, fpu_escape_nm_with_em)
{
	/* fninit (db e3): no-op without EM, #NM with CR0.EM */
	static const uint8_t code[] = { 0xdb, 0xe3, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	cr_expect_eq(v.nints, 0);
	vm_real(&v, 0, 0x1000);
	cpu_set_reg(v.c, CPU_CR0, 0x60000014u);
	vm_run(&v, 1);
	cr_expect_eq(v.last_vec, 7);
	vm_fini(&v);
}

Test(cpu, triple_fault_shuts_down)
{
	/* IDT limit 0: any exception escalates to shutdown. */
	static const uint8_t code[] = { 0x0f, 0x0b };
	struct vm v;
	setup(&v, code, sizeof(code));
	struct cpu_segment idt = { 0, 0, 0, 0 };
	cpu_set_seg(v.c, CPU_IDTR, &idt);
	cr_expect_eq(vm_run(&v, 10), CPU_STOP_SHUTDOWN);
	cr_expect_eq(v.shutdowns, 1);
	vm_fini(&v);
}

Test(cpu, state_round_trip)
{
	static const uint8_t code[] = { 0xb8, 0x34, 0x12, 0x04, 0xff, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	uint8_t a[CPU_STATE_SIZE], b[CPU_STATE_SIZE];
	cr_assert_eq(cpu_state_save(v.c, a, sizeof(a)), CPU_STATE_SIZE);
	struct vm w;
	vm_init(&w, 2u << 20);
	cr_assert_eq(cpu_state_load(w.c, a, sizeof(a)), 0);
	cr_assert_eq(cpu_state_save(w.c, b, sizeof(b)), CPU_STATE_SIZE);
	cr_expect_eq(memcmp(a, b, sizeof(a)), 0);
	cr_expect_eq(vm_reg(&w, CPU_EAX), 0x1233);
	cr_expect_eq(vm_reg(&w, CPU_EFLAGS), vm_reg(&v, CPU_EFLAGS));
	a[0] ^= 0xff;
	cr_expect_eq(cpu_state_load(w.c, a, sizeof(a)), -1);
	cr_expect_eq(cpu_state_save(v.c, a, 10), 0);
	vm_fini(&w);
	vm_fini(&v);
}

Test(cpu, smm_entry_and_rsm_relocation)
{
	/* SMM handler at SMBASE 0x30000 + 0x8000: mov dword cs:[0xfef8],0x40000
	 * (the saved SMBASE, SDM Vol. 3 §34.11); rsm. */
	static const uint8_t handler[] = { 0x2e, 0x66, 0xc7, 0x06, 0xf8, 0xfe, 0x00, 0x00, 0x04, 0x00,
					   0x0f, 0xaa };
	static const uint8_t code[] = { 0x43, 0x43, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	vm_load(&v, 0x38000, handler, sizeof(handler));
	cpu_run(v.c, cpu_icount(v.c) + 1, UINT64_MAX);
	cpu_raise_smi(v.c);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(v.last_kind, CPU_INT_SMI);
	cr_expect_eq(v.smm_changes, 2, "entered and left SMM");
	cr_expect_eq(vm_reg(&v, CPU_EBX) & 0xffff, 2, "state restored after RSM");
	cr_expect_eq(mem_read(v.m, 0x3fefc, 4), 0x00020000u, "revision with relocation");
	/* Second SMI, taken while halted, uses the relocated base: the handler
	 * writes cs:[0x100] and returns; auto HALT restart resumes the HLT. */
	static const uint8_t h2[] = { 0x2e, 0xc6, 0x06, 0x00, 0x01, 0x77, 0x0f, 0xaa };
	vm_load(&v, 0x48000, h2, sizeof(h2));
	cr_assert(cpu_halted(v.c));
	uint32_t eip = vm_reg(&v, CPU_EIP);
	cpu_raise_smi(v.c);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(mem_read(v.m, 0x40100, 1), 0x77, "handler at the new SMBASE ran");
	cr_expect(cpu_halted(v.c));
	cr_expect_eq(vm_reg(&v, CPU_EIP), eip);
	/* INIT keeps the relocated SMBASE, RESET restores 0x30000. */
	cpu_init(v.c);
	cpu_raise_smi(v.c);
	vm_run(&v, 1);
	struct cpu_segment cs;
	cpu_get_seg(v.c, CPU_CS, &cs);
	cr_expect_eq(cs.base, 0x40000);
	cpu_reset(v.c);
	cpu_raise_smi(v.c);
	vm_run(&v, 1);
	cpu_get_seg(v.c, CPU_CS, &cs);
	cr_expect_eq(cs.base, 0x30000);
	vm_fini(&v);
}

/* NMI ignores IF and is blocked until the next IRET (SDM Vol. 3 §6.7.1). */
Test(cpu, nmi_blocking_until_iret)
{
	/* cli; inc bx; inc bx; inc bx; hlt -- NMI handler: inc cx; iret */
	static const uint8_t code[] = { 0xfa, 0x43, 0x43, 0x43, 0xf4 };
	static const uint8_t h[] = { 0x41, 0xcf };
	struct vm v;
	setup(&v, code, sizeof(code));
	mem_write(v.m, 2 * 4, 0x00000600, 4);
	vm_load(&v, 0x600, h, sizeof(h));
	cpu_run(v.c, cpu_icount(v.c) + 1, UINT64_MAX);   /* cli */
	cpu_raise_nmi(v.c);
	cpu_run(v.c, cpu_icount(v.c) + 1, UINT64_MAX);   /* NMI, then inc cx */
	cr_expect_eq(v.last_vec, 2);
	cr_expect_eq(v.last_kind, CPU_INT_NMI);
	cpu_raise_nmi(v.c);                              /* blocked: handler not re-entered */
	cpu_run(v.c, cpu_icount(v.c) + 1, UINT64_MAX);   /* iret */
	cr_expect_eq(vm_reg(&v, CPU_ECX) & 0xffff, 1);
	cr_expect_eq(v.nints, 1);
	cr_assert_eq(vm_run(&v, 20), CPU_STOP_HLT);      /* the second NMI after IRET */
	cr_expect_eq(v.nints, 2);
	cr_expect_eq(vm_reg(&v, CPU_ECX) & 0xffff, 2);
	cr_expect_eq(vm_reg(&v, CPU_EBX) & 0xffff, 3);
	vm_fini(&v);
}

struct hook_count {
	int retire, cr, far, hlt;
	uint32_t cr0_new;
};
static void hc_retire(void *o, struct cpu *c, uint16_t cs, uint32_t eip)
{
	(void)c; (void)cs; (void)eip;
	((struct hook_count *)o)->retire++;
}
static void hc_cr(void *o, struct cpu *c, int cr, uint32_t old, uint32_t val)
{
	(void)c; (void)old;
	struct hook_count *h = o;
	h->cr++;
	if (cr == 0)
		h->cr0_new = val;
}
static void hc_far(void *o, struct cpu *c, uint16_t cs, uint32_t eip, uint16_t ncs, uint32_t neip)
{
	(void)c; (void)cs; (void)eip; (void)ncs; (void)neip;
	((struct hook_count *)o)->far++;
}
static void hc_hlt(void *o, struct cpu *c)
{
	(void)c;
	((struct hook_count *)o)->hlt++;
}

Test(cpu, hooks_fire)
{
	/* mov eax,cr0; mov cr0,eax; jmp 0:0x100b; (0x100b) hlt */
	static const uint8_t code[] = { 0x0f, 0x20, 0xc0, 0x0f, 0x22, 0xc0,
					0xea, 0x0b, 0x10, 0x00, 0x00, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	struct hook_count hc = { 0 };
	struct cpu_hooks h = { &hc, hc_retire, NULL, hc_cr, hc_far, hc_hlt };
	cpu_set_hooks(v.c, &h);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(hc.retire, 4);
	cr_expect_eq(hc.cr, 1);
	cr_expect_eq(hc.cr0_new, 0x60000010u);
	cr_expect_eq(hc.far, 1);
	cr_expect_eq(hc.hlt, 1);
	cpu_set_hooks(v.c, NULL);
	vm_fini(&v);
}

/* A data write next to cached code keeps the page tracked: a later write
 * over an instruction is still seen. */
Test(cpu, data_write_on_code_page_then_smc)
{
	/* mov byte [0x1800],1; mov byte [0x100d],0x42; nop; nop; inc ax; hlt */
	static const uint8_t code[] = { 0xc6, 0x06, 0x00, 0x18, 0x01,
					0xc6, 0x06, 0x0d, 0x10, 0x42,
					0x90, 0x90, 0x90, 0x40, 0xf4 };
	struct vm v;
	setup(&v, code, sizeof(code));
	cpu_set_reg(v.c, CPU_EIP, 0x100d);   /* cache "inc ax; hlt" first */
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	vm_real(&v, 0, 0x1000);
	cpu_set_reg(v.c, CPU_EDX, 0);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(mem_read(v.m, 0x1800, 1), 1);
	cr_expect_eq(vm_reg(&v, CPU_EDX) & 0xffff, 1, "inc dx ran");
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xffff, 0);
	cr_expect(mem_code_page_marked(v.m, 0x1000));
	vm_fini(&v);
}
