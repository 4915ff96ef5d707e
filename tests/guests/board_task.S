/*
 * tests/guests/board_task.S: hardware task switches on the test board (flat
 * 32-bit protected mode at 0x1000; the kit's TSS 0x38 is the main task).
 * SDM Vol. 3 §7.3 (task switching), table 7-2 (busy, NT, link), §7.6
 * (16-bit TSS: upper register halves 0xFFFF here, FS/GS null).
 *  1-4   CALL to a 32-bit TSS: the new task sees its own registers, TR, NT
 *        and the back link; its IRET returns with the caller's registers,
 *        busy bits and CR0.TS as the SDM's table says;
 *  5-6   JMP to it: no NT, the caller loses its busy bit; the task JMPs
 *        back and the main task resumes after its JMP;
 *  7-9   CALL to a 16-bit TSS from 32-bit code and IRET back (32 -> 16 ->
 *        32), with the 16-bit state saved into the 16-bit layout;
 *  10    INT 0x50 through a task gate;
 *  11-13 #GP through a task gate to a 16-bit TSS: a word error code on the
 *        new task's stack, the faulting EIP saved in the old TSS;
 *  14    JMP to a 16-bit TSS whose limit is 0x2A: #TS(selector), no switch.
 * Exit code 0 and "task ok" on 0xE9, else the failed check's number.
 */
#include "board_kit.h"

#define TSSB 0xa000       /* 32-bit task B */
#define TSSC 0xa100       /* 16-bit task C */
#define TSSD 0xa200       /* 16-bit task D (#GP handler) */
#define TSSE 0xa300       /* 16-bit, limit too small */
#define SEL_B 0x40
#define SEL_C 0x48
#define SEL_D 0x58
#define SEL_E 0x60
#define B_COUNT (RES + 0x10)

	.code32
	.text
	.globl	_start
_start:
	PM_SETUP
	movl	$0x90000, %esp
	/* Task B: 32-bit, flat, EAX 0xb0b0b0b0, ESP 0x60000. */
	movl	$taskb, TSSB + 0x20
	movl	$2, TSSB + 0x24
	movl	$0xb0b0b0b0, TSSB + 0x28
	movl	$0x60000, TSSB + 0x38
	movl	$SEL_DATA32, TSSB + 0x48
	movl	$SEL_CODE32, TSSB + 0x4c
	movl	$SEL_DATA32, TSSB + 0x50
	movl	$SEL_DATA32, TSSB + 0x54
	movl	$SEL_DATA32, TSSB + 0x58
	movl	$SEL_DATA32, TSSB + 0x5c
	/* Task C: 16-bit code 0x18, data 0x20, AX 0xc0c0, SP 0x5000. */
	movw	$taskc, TSSC + 0x0e
	movw	$2, TSSC + 0x10
	movw	$0xc0c0, TSSC + 0x12
	movw	$0x5000, TSSC + 0x1a
	movw	$SEL_DATA16, TSSC + 0x22
	movw	$SEL_CODE16, TSSC + 0x24
	movw	$SEL_DATA16, TSSC + 0x26
	movw	$SEL_DATA16, TSSC + 0x28
	/* Task D: 16-bit code, flat DS, SP 0x4800. */
	movw	$taskd, TSSD + 0x0e
	movw	$2, TSSD + 0x10
	movw	$0x4800, TSSD + 0x1a
	movw	$SEL_DATA16, TSSD + 0x22
	movw	$SEL_CODE16, TSSD + 0x24
	movw	$SEL_DATA16, TSSD + 0x26
	movw	$SEL_DATA32, TSSD + 0x28
	movl	$0x50, %eax                /* INT 0x50: task gate to B */
	xorl	%ebx, %ebx
	movw	$SEL_B, %cx
	movb	$0x85, %dl
	call	kit_set_gate

	/* 1-4: CALL B. */
	movl	$0x11111111, %eax
	lcall	$SEL_B, $0
	CHECKL	$0x11111111, %eax, 1
	CHECKL	$SEL_B, RES + 0x00, 2
	CHECKL	$0xb0b0b0b0, RES + 0x04, 2
	testl	$0x4000, RES + 0x08
	EXPECT	nz, 3
	CHECKL	$SEL_TSS, RES + 0x0c, 3
	xorl	%eax, %eax
	str	%ax
	CHECKL	$SEL_TSS, %eax, 4
	testb	$2, gdt + SEL_B + 5
	EXPECT	z, 4
	testb	$2, gdt + SEL_TSS + 5
	EXPECT	nz, 4
	movl	%cr0, %eax
	testb	$8, %al
	EXPECT	nz, 4
	pushfl
	popl	%eax
	testl	$0x4000, %eax
	EXPECT	z, 4

	/* 5-6: JMP B; B jumps back. */
	ljmp	$SEL_B, $0
	CHECKL	$2, B_COUNT, 5
	testl	$0x4000, RES + 0x08
	EXPECT	z, 5
	testb	$2, gdt + SEL_B + 5
	EXPECT	z, 6
	testb	$2, gdt + SEL_TSS + 5
	EXPECT	nz, 6

	/* 7-9: CALL the 16-bit task C. */
	movl	$0x22222222, %eax
	lcall	$SEL_C, $0
	CHECKL	$0x22222222, %eax, 7
	cmpw	$SEL_C, RES + 0x20
	EXPECT	e, 7
	CHECKL	$0xffffc0c0, RES + 0x24, 8
	cmpw	$0, RES + 0x28
	EXPECT	e, 8
	testw	$0x4000, RES + 0x2c
	EXPECT	nz, 9
	cmpw	$SEL_TSS, RES + 0x30
	EXPECT	e, 9
	cmpw	$taskc_next, TSSC + 0x0e
	EXPECT	e, 9
	cmpw	$SEL_C, TSSC + 0x12        /* AX as task C left it */
	EXPECT	e, 9
	testb	$2, gdt + SEL_C + 5
	EXPECT	z, 9

	/* 10: INT 0x50 -> task gate -> B. */
	int	$0x50
	CHECKL	$3, B_COUNT, 10
	testl	$0x4000, RES + 0x08
	EXPECT	nz, 10

	/* 11-13: #GP -> task gate -> the 16-bit task D. */
	movl	$13, %eax
	xorl	%ebx, %ebx
	movw	$SEL_D, %cx
	movb	$0x85, %dl
	call	kit_set_gate
	movw	$0x1234, %ax
gp_insn:
	movw	%ax, %ds
	movb	$11, %al
	jmp	fail
gp_resume:
	movl	$13, %eax
	movl	$kit_exc_stubs + 13 * 16, %ebx
	movw	$SEL_CODE32, %cx
	movb	$0x8e, %dl
	call	kit_set_gate
	cmpw	$0x1234, RES + 0x44
	EXPECT	e, 11
	cmpw	$0x47fe, RES + 0x40
	EXPECT	e, 12
	CHECKL	$gp_insn, RES + 0x48, 13

	/* 14: JMP to a 16-bit TSS with limit 0x2a. */
	movl	$0, REC_COUNT
	movl	$1f, REC_RESUME
	ljmp	$SEL_E, $0
1:	CHECKL	$1, REC_COUNT, 14
	CHECKL	$10, REC_VEC, 14
	CHECKL	$SEL_E, REC_ERR, 14
	xorl	%eax, %eax
	str	%ax
	CHECKL	$SEL_TSS, %eax, 14

	PASS32	"task ok"

/* Task B: record, then IRET (when called) or JMP back (when jumped to). */
taskb:
	xorl	%ebx, %ebx
	str	%bx
	movl	%ebx, RES + 0x00
	movl	%eax, RES + 0x04
	pushfl
	popl	RES + 0x08
	movzwl	TSSB, %ebx
	movl	%ebx, RES + 0x0c
	incl	B_COUNT
	testl	$0x4000, RES + 0x08
	jz	1f
	iret
	jmp	taskb
1:	ljmp	$SEL_TSS, $0
	jmp	taskb

	.code16
taskc:
	movl	%eax, RES + 0x24
	str	%ax
	movw	%ax, RES + 0x20
	movw	%fs, RES + 0x28
	pushf
	popw	RES + 0x2c
	movw	TSSC, %bx
	movw	%bx, RES + 0x30
	iret
taskc_next:
	jmp	taskc

taskd:
	movw	%sp, %bx
	movw	%ss:(%bx), %ax
	movw	%ax, RES + 0x44
	movw	%sp, RES + 0x40
	addr32 movl	TSS_BASE + 0x20, %eax
	addr32 movl	%eax, RES + 0x48
	addr32 movl	$gp_resume, TSS_BASE + 0x20
	addw	$2, %sp
	iret
	jmp	taskd
	.code32

	KIT_CODE
	GDT_BEGIN
	DESC	TSSB, 0x67, 0x89, 0        /* 0x40 */
	DESC	TSSC, 0x2b, 0x81, 0        /* 0x48 */
	.quad	0                          /* 0x50 */
	DESC	TSSD, 0x2b, 0x81, 0        /* 0x58 */
	DESC	TSSE, 0x2a, 0x81, 0        /* 0x60 */
	GDT_END
