/*
 * cpu/ops_ctrl.c: near and far branches, CALL/RET, LOOP/JCXZ, software
 * interrupts, IRET, flag instructions (CLI/STI with IOPL checks, PUSHF/POPF
 * with the privilege rules of SDM Vol. 2 POPF), HLT, WAIT and FPU escapes.
 */
#include "cpu/ops_common.h"

/* Near branch: EIP beyond the CS limit raises #GP(0) (SDM Vol. 2, JMP). */
static inline void jump_to(struct cpu *c, const struct insn *i, uint32_t target)
{
	target = near_target(i, target);
	if (target > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	c->eip_next = target;
}

void op_JCC_Jb(struct cpu *c, const struct insn *i)
{
	if (flags_cond(c, i->cc))
		jump_to(c, i, c->eip_next + i->imm);
}
void op_JCC_Jw(struct cpu *c, const struct insn *i) { op_JCC_Jb(c, i); }
void op_JCC_Jd(struct cpu *c, const struct insn *i) { op_JCC_Jb(c, i); }
#define JCC_CC(cc) \
	static void op_JCC_cc##cc(struct cpu *c, const struct insn *i) \
	{ \
		if (flags_cond(c, cc)) \
			jump_to(c, i, c->eip_next + i->imm); \
	}
JCC_CC(0) JCC_CC(1) JCC_CC(2) JCC_CC(3) JCC_CC(4) JCC_CC(5) JCC_CC(6) JCC_CC(7)
JCC_CC(8) JCC_CC(9) JCC_CC(10) JCC_CC(11) JCC_CC(12) JCC_CC(13) JCC_CC(14) JCC_CC(15)
const insn_fn op_jcc_cc[16] = {
	op_JCC_cc0, op_JCC_cc1, op_JCC_cc2, op_JCC_cc3, op_JCC_cc4, op_JCC_cc5, op_JCC_cc6,
	op_JCC_cc7, op_JCC_cc8, op_JCC_cc9, op_JCC_cc10, op_JCC_cc11, op_JCC_cc12, op_JCC_cc13,
	op_JCC_cc14, op_JCC_cc15,
};
void op_JMP_Jb(struct cpu *c, const struct insn *i) { jump_to(c, i, c->eip_next + i->imm); }
void op_JMP_Jw(struct cpu *c, const struct insn *i) { jump_to(c, i, c->eip_next + i->imm); }
void op_JMP_Jd(struct cpu *c, const struct insn *i) { jump_to(c, i, c->eip_next + i->imm); }
static inline void jmp_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	jump_to(c, i, rm_read(c, i, mem, size));
}
RM_FORMS(JMP_Ew, jmp_e, 2)
RM_FORMS(JMP_Ed, jmp_e, 4)

static inline void call_to(struct cpu *c, const struct insn *i, uint32_t target, int size)
{
	uint32_t t = size == 2 ? (target & 0xffff) : target;
	if (t > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	stack_push(c, c->eip_next, size);
	c->eip_next = t;
}
void op_CALL_Jw(struct cpu *c, const struct insn *i) { call_to(c, i, c->eip_next + i->imm, 2); }
void op_CALL_Jd(struct cpu *c, const struct insn *i) { call_to(c, i, c->eip_next + i->imm, 4); }
static inline void call_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	call_to(c, i, rm_read(c, i, mem, size), size);
}
RM_FORMS(CALL_Ew, call_e, 2)
RM_FORMS(CALL_Ed, call_e, 4)

static inline void ret_near(struct cpu *c, int size, uint32_t extra)
{
	uint32_t t = stack_peek(c, 0, size);
	if (t > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	stack_set_sp(c, stack_sp(c) + (uint32_t)size + extra);
	c->eip_next = t;
}
void op_RET_w(struct cpu *c, const struct insn *i) { (void)i; ret_near(c, 2, 0); }
void op_RET_d(struct cpu *c, const struct insn *i) { (void)i; ret_near(c, 4, 0); }
void op_RET_Iw(struct cpu *c, const struct insn *i) { ret_near(c, 2, i->imm & 0xffff); }
void op_RET_Id(struct cpu *c, const struct insn *i) { ret_near(c, 4, i->imm & 0xffff); }

/* LOOP/LOOPE/LOOPNE/JCXZ: the count register follows the address size. */
static inline void loop_op(struct cpu *c, const struct insn *i, int a32, int kind)
{
	uint32_t cnt;
	if (a32) {
		cnt = --c->r[CPU_ECX];
	} else {
		cnt = (uint16_t)(reg16(c, CPU_ECX) - 1);
		set_reg16(c, CPU_ECX, (uint16_t)cnt);
	}
	int take = cnt != 0;
	if (kind == 1)
		take = take && flags_cond(c, 4);   /* LOOPE: ZF = 1 */
	else if (kind == 2)
		take = take && flags_cond(c, 5);   /* LOOPNE: ZF = 0 */
	if (take)
		jump_to(c, i, c->eip_next + i->imm);
}
void op_LOOP_a16(struct cpu *c, const struct insn *i) { loop_op(c, i, 0, 0); }
void op_LOOP_a32(struct cpu *c, const struct insn *i) { loop_op(c, i, 1, 0); }
void op_LOOPE_a16(struct cpu *c, const struct insn *i) { loop_op(c, i, 0, 1); }
void op_LOOPE_a32(struct cpu *c, const struct insn *i) { loop_op(c, i, 1, 1); }
void op_LOOPNE_a16(struct cpu *c, const struct insn *i) { loop_op(c, i, 0, 2); }
void op_LOOPNE_a32(struct cpu *c, const struct insn *i) { loop_op(c, i, 1, 2); }
void op_JCXZ(struct cpu *c, const struct insn *i)
{
	if (reg16(c, CPU_ECX) == 0)
		jump_to(c, i, c->eip_next + i->imm);
}
void op_JECXZ(struct cpu *c, const struct insn *i)
{
	if (c->r[CPU_ECX] == 0)
		jump_to(c, i, c->eip_next + i->imm);
}

/* ---- far transfers (cpu/far.c does the work) ---- */
void op_JMPF_Aw(struct cpu *c, const struct insn *i) { far_jmp(c, i->imm2, i->imm & 0xffff, 0); }
void op_JMPF_Ad(struct cpu *c, const struct insn *i) { far_jmp(c, i->imm2, i->imm, 1); }
void op_CALLF_Aw(struct cpu *c, const struct insn *i) { far_call(c, i->imm2, i->imm & 0xffff, 0); }
void op_CALLF_Ad(struct cpu *c, const struct insn *i) { far_call(c, i->imm2, i->imm, 1); }
static void far_mem(struct cpu *c, const struct insn *i, int size, int call)
{
	uint32_t ea = insn_ea(c, i);
	uint32_t off = mem_rd(c, i->seg, ea, size);
	uint32_t a2 = ea + (uint32_t)size;
	if (!(i->flags & INSN_ASZ32))
		a2 &= 0xffff;
	uint16_t sel = (uint16_t)mem_rd(c, i->seg, a2, 2);
	if (call)
		far_call(c, sel, off, size == 4);
	else
		far_jmp(c, sel, off, size == 4);
}
void op_JMPF_Mw_M(struct cpu *c, const struct insn *i) { far_mem(c, i, 2, 0); }
void op_JMPF_Md_M(struct cpu *c, const struct insn *i) { far_mem(c, i, 4, 0); }
void op_CALLF_Mw_M(struct cpu *c, const struct insn *i) { far_mem(c, i, 2, 1); }
void op_CALLF_Md_M(struct cpu *c, const struct insn *i) { far_mem(c, i, 4, 1); }
void op_RETF_w(struct cpu *c, const struct insn *i) { (void)i; far_ret(c, 0, 0); }
void op_RETF_d(struct cpu *c, const struct insn *i) { (void)i; far_ret(c, 1, 0); }
void op_RETF_Iw(struct cpu *c, const struct insn *i) { far_ret(c, 0, (uint16_t)i->imm); }
void op_RETF_Id(struct cpu *c, const struct insn *i) { far_ret(c, 1, (uint16_t)i->imm); }
void op_IRET(struct cpu *c, const struct insn *i) { (void)i; far_iret(c, 0); }
void op_IRETD(struct cpu *c, const struct insn *i) { (void)i; far_iret(c, 1); }

/* ---- software interrupts ---- */
void op_INT_Ib(struct cpu *c, const struct insn *i)
{
	cpu_soft_int(c, (int)(i->imm & 0xff), INT_SOFT);
}
void op_INT3(struct cpu *c, const struct insn *i)
{
	(void)i;
	cpu_soft_int(c, EXC_BP, INT_SOFT_TRAP);
}
void op_INTO(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (flags_cond(c, 0))
		cpu_soft_int(c, EXC_OF, INT_SOFT_TRAP);
}
void op_INT1(struct cpu *c, const struct insn *i)
{
	(void)i;
	cpu_soft_int(c, EXC_DB, INT_SOFT_ICEBP);
}

/* ---- flags ---- */
void op_CLC(struct cpu *c, const struct insn *i) { (void)i; flags_set(c, 0, FL_CF); }
void op_STC(struct cpu *c, const struct insn *i) { (void)i; flags_set(c, FL_CF, FL_CF); }
void op_CMC(struct cpu *c, const struct insn *i) { (void)i; flags_set(c, flags_get(c) ^ FL_CF, FL_CF); }
void op_CLD(struct cpu *c, const struct insn *i) { (void)i; c->eflags &= ~FL_DF; }
void op_STD(struct cpu *c, const struct insn *i) { (void)i; c->eflags |= FL_DF; }

/* CLI/STI: IOPL-sensitive in protected and V86 mode (SDM Vol. 2, CLI). */
static void check_iopl(struct cpu *c)
{
	if (cpu_pmode(c) && c->cpl > cpu_iopl(c))
		cpu_gp0(c);
}
void op_CLI(struct cpu *c, const struct insn *i)
{
	(void)i;
	check_iopl(c);
	c->eflags &= ~FL_IF;
}
void op_STI(struct cpu *c, const struct insn *i)
{
	(void)i;
	check_iopl(c);
	if (!(c->eflags & FL_IF))
		c->inhibit = 2;   /* interrupts wait one more instruction */
	c->eflags |= FL_IF;
}

void op_PUSHF(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (cpu_v86(c) && cpu_iopl(c) < 3)
		cpu_gp0(c);
	stack_push(c, flags_get(c) & 0xffff, 2);
}
void op_PUSHFD(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (cpu_v86(c) && cpu_iopl(c) < 3)
		cpu_gp0(c);
	/* VM and RF are pushed as 0 (SDM Vol. 2, PUSHF). */
	stack_push(c, flags_get(c) & ~(FL_VM | FL_RF), 4);
}

/* The EFLAGS bits an instruction may load given mode and privilege. */
uint32_t flags_writable(const struct cpu *c, int size)
{
	uint32_t m = FL_ARITH | FL_TF | FL_DF | FL_IF | FL_IOPL | FL_NT | FL_AC | FL_ID;
	if (cpu_pmode(c)) {
		if (c->cpl > 0 || cpu_v86(c))
			m &= ~FL_IOPL;
		if (c->cpl > cpu_iopl(c))
			m &= ~FL_IF;
	}
	if (size == 2)
		m &= 0xffff;
	return m;
}

static void popf(struct cpu *c, int size)
{
	if (cpu_v86(c) && cpu_iopl(c) < 3)
		cpu_gp0(c);
	uint32_t v = stack_peek(c, 0, size);
	stack_set_sp(c, stack_sp(c) + (uint32_t)size);
	flags_set(c, v, flags_writable(c, size));
	if (size == 4)
		c->eflags &= ~FL_RF;
}
void op_POPF(struct cpu *c, const struct insn *i) { (void)i; popf(c, 2); }
void op_POPFD(struct cpu *c, const struct insn *i) { (void)i; popf(c, 4); }

/* HLT: privileged (CPL 0) in protected mode; retires once. */
void op_HLT(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (cpu_pmode(c) && c->cpl != 0)
		cpu_gp0(c);
	c->halted = 1;
}

/* WAIT: #NM when CR0.MP and CR0.TS (SDM Vol. 3 §2.5, table 2-2). */
void op_WAIT(struct cpu *c, const struct insn *i)
{
	(void)i;
	if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		cpu_raise(c, EXC_NM, EXC_NO_ERROR);
}

/* x87 escapes with no FPU: #NM when CR0.EM or CR0.TS, otherwise they do
 * nothing, like an 8086/286 system without a coprocessor (docs/cpu.md).
 * The memory operand is not accessed. */
static inline void fpu_esc(struct cpu *c, const struct insn *i, int mem)
{
	(void)i;
	(void)mem;
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_raise(c, EXC_NM, EXC_NO_ERROR);
}
RM_FORMS(FPU_ESC, fpu_esc)
