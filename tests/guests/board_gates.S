/*
 * tests/guests/board_gates.S: gates with privilege changes on the test
 * board (flat 32-bit protected mode at 0x1000). SDM Vol. 3 §5.8 (call
 * gates), §6.12 (interrupt and trap gates).
 *  1-6   CPL 3 -> call gate (DPL 3, 2 dword parameters) -> CPL 0: SS:ESP
 *        from TSS.SS0/ESP0, the frame SS ESP param1 param2 CS EIP, and
 *        RETF 8 back to CPL 3 with the caller's ESP restored;
 *  7-11  INT 0x41 from CPL 3 through a DPL-3 interrupt gate: stack switch,
 *        frame (EIP CS EFLAGS ESP SS), IF cleared in the handler; IRET back
 *        to CPL 3 nulls ES, which the handler loaded with a DPL-0 selector;
 *  12    INT 0x42 through a DPL-3 trap gate keeps IF;
 *  13    INT 0x43 from CPL 3 to a DPL-0 gate: #GP(0x43 * 8 + 2);
 *  14    far CALL from CPL 3 to a DPL-0 call gate: #GP(gate selector);
 *  15    #DE at CPL 3 is delivered at CPL 0 on the TSS stack.
 * Exit code 0 and "gates ok" on 0xE9, else the failed check's number.
 */
#include "board_kit.h"

#define SEL_GATE3 0x43    /* call gate, DPL 3, 2 parameters */
#define SEL_GATE0 0x4b    /* call gate, DPL 0 (selector with RPL 3) */

/* A 32-bit call gate to SEL_CODE32:target. */
.macro CALLGATE target, dpl, params
	.word	0              /* offset 15:0, filled at run time */
	.word	SEL_CODE32
	.byte	\params
	.byte	0x8c | (\dpl << 5)
	.word	0              /* offset 31:16 */
.endm

	.code32
	.text
	.globl	_start
_start:
	PM_SETUP
	movl	$0x90000, %esp
	movl	$gate_target, %eax
	movw	%ax, gdt + 0x40
	movw	%ax, gdt + 0x48
	shrl	$16, %eax
	movw	%ax, gdt + 0x46
	movw	%ax, gdt + 0x4e
	movl	$0x41, %eax
	movl	$h41, %ebx
	movw	$SEL_CODE32, %cx
	movb	$0xee, %dl                 /* interrupt gate, DPL 3 */
	call	kit_set_gate
	movl	$0x42, %eax
	movl	$h42, %ebx
	movb	$0xef, %dl                 /* trap gate, DPL 3 */
	call	kit_set_gate
	movl	$0x43, %eax
	movl	$h42, %ebx
	movb	$0x8e, %dl                 /* interrupt gate, DPL 0 */
	call	kit_set_gate

	RING3_CALL r3_gates, STACK3, 0x202

	/* 1-6: the call gate. */
	CHECKL	$(STACK0 - 24), RES + 0x00, 1
	CHECKL	$r3_after, RES + 0x04, 2
	CHECKL	$SEL_CODE3, RES + 0x08, 2
	CHECKL	$0x2222, RES + 0x0c, 3
	CHECKL	$0x1111, RES + 0x2c, 3
	CHECKL	$(STACK3 - 8), RES + 0x30, 4
	CHECKL	$SEL_DATA3, RES + 0x34, 4
	CHECKL	$SEL_CODE32, RES + 0x38, 5
	CHECKL	$SEL_DATA32, RES + 0x3c, 5
	CHECKL	$STACK3, RES + 0x40, 6
	/* 7-11: INT through an interrupt gate. */
	CHECKL	$(STACK0 - 20), RES + 0x10, 7
	testl	$0x200, RES + 0x14
	EXPECT	z, 8
	testl	$0x200, RES + 0x18
	EXPECT	nz, 8
	CHECKL	$STACK3, RES + 0x1c, 9
	CHECKL	$SEL_DATA3, RES + 0x20, 9
	CHECKL	$SEL_CODE3, RES + 0x24, 9
	CHECKL	$STACK3, RES + 0x44, 10
	CHECKL	$0, RES + 0x48, 11
	/* 12: trap gate. */
	testl	$0x200, RES + 0x28
	EXPECT	nz, 12
	/* 13-15: faults. */
	CHECKL	$13, RES + 0x50, 13
	CHECKL	$(0x43 * 8 + 2), RES + 0x4c, 13
	CHECKL	$13, RES + 0x64, 14
	CHECKL	$0x48, RES + 0x54, 14
	CHECKL	$0, RES + 0x58, 15
	CHECKL	$STACK3, RES + 0x5c, 15
	CHECKL	$SEL_CODE3, RES + 0x60, 15

	PASS32	"gates ok"

r3_gates:
	RING3_ENTRY
	pushl	$0x1111
	pushl	$0x2222
	lcall	$SEL_GATE3, $0
r3_after:
	movl	%esp, RES + 0x40
	int	$0x41
	movl	%esp, RES + 0x44
	xorl	%eax, %eax
	movw	%es, %ax
	movl	%eax, RES + 0x48
	RING3_ENTRY
	int	$0x42
	movl	$1f, REC_RESUME
	int	$0x43
1:	movl	REC_ERR, %eax
	movl	%eax, RES + 0x4c
	movl	REC_VEC, %eax
	movl	%eax, RES + 0x50
	movl	$1f, REC_RESUME
	lcall	$SEL_GATE0, $0
1:	movl	REC_ERR, %eax
	movl	%eax, RES + 0x54
	movl	REC_VEC, %eax
	movl	%eax, RES + 0x64
	movl	$1f, REC_RESUME
	xorl	%ecx, %ecx
	divl	%ecx
1:	movl	REC_VEC, %eax
	movl	%eax, RES + 0x58
	movl	REC_ESP, %eax
	movl	%eax, RES + 0x5c
	movl	REC_CS, %eax
	movl	%eax, RES + 0x60
	int	$VEC_RING0

gate_target:
	movl	%esp, RES + 0x00
	movl	(%esp), %eax
	movl	%eax, RES + 0x04
	movl	4(%esp), %eax
	movl	%eax, RES + 0x08
	movl	8(%esp), %eax
	movl	%eax, RES + 0x0c
	movl	12(%esp), %eax
	movl	%eax, RES + 0x2c
	movl	16(%esp), %eax
	movl	%eax, RES + 0x30
	movl	20(%esp), %eax
	movl	%eax, RES + 0x34
	xorl	%eax, %eax
	movw	%cs, %ax
	movl	%eax, RES + 0x38
	movw	%ss, %ax
	movl	%eax, RES + 0x3c
	lret	$8

h41:
	movl	%esp, RES + 0x10
	pushfl
	popl	RES + 0x14
	movl	8(%esp), %eax
	movl	%eax, RES + 0x18
	movl	12(%esp), %eax
	movl	%eax, RES + 0x1c
	movl	16(%esp), %eax
	movl	%eax, RES + 0x20
	movl	4(%esp), %eax
	movl	%eax, RES + 0x24
	movw	$SEL_DATA32, %ax
	movw	%ax, %es
	iret

h42:
	pushfl
	popl	RES + 0x28
	iret

	KIT_CODE
	GDT_BEGIN
	CALLGATE gate_target, 3, 2        /* 0x40 */
	CALLGATE gate_target, 0, 0        /* 0x48 */
	GDT_END
