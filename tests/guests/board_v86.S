/*
 * tests/guests/board_v86.S: virtual-8086 mode on the test board (flat
 * 32-bit protected mode at 0x1000; the V86 code runs from the same image
 * with CS = 0x100). SDM Vol. 3 §20.2 (V86 execution), §20.3 (interrupt
 * and exception handling: a V86 INT n goes through the IDT to a CPL-0
 * handler, which IRETs back).
 *  1-2   IOPL 0: V86 segment arithmetic (DS = 0x1234 is base 0x12340),
 *        OUT to a port open in the TSS I/O bitmap works;
 *  3-5   IOPL 0: CLI, STI, PUSHF, POPF, INT n, IRET and IN from a port
 *        beyond the bitmap each raise #GP(0) at the instruction (CS 0x100,
 *        IP of the instruction, EFLAGS.VM in the frame);
 *  6-7   IOPL 3: CLI/STI work, PUSHFD shows IOPL 3 and no VM;
 *  8-12  IOPL 3: INT 0x40 -> CPL-0 handler: stack from TSS.ESP0, frame
 *        EIP CS EFLAGS(VM) ESP SS ES DS FS GS, data segments null in the
 *        handler; its IRET returns to V86 with DS restored and the EBX it
 *        changed;
 *  13    IOPL 3: a V86 IRET pops IP, CS, FLAGS from the V86 stack.
 * Exit code 0 and "v86 ok" on 0xE9 (the 'v' comes from V86), else the
 * failed check's number.
 */
#include "board_kit.h"

#define V86_CS 0x100      /* base 0x1000: the image */
#define V86_SS 0x700
#define V86_SP 0x1000     /* stack top at 0x8000 */
#define IP(label) ((label) - 0x1000)

/* Run the V86 code at label with the given IOPL; it comes back to CPL 0
 * after the macro through INT 0x31 (IOPL 0: #GP caught by v86_exit_hook)
 * or INT 0x30 (IOPL 3: the kit's DPL-3 gate). */
.macro V86_CALL label, iopl
	movl	%esp, RING0_ESP
	movl	$.Lback\@, RING0_CONT
	pushl	$0                         /* GS */
	pushl	$0                         /* FS */
	pushl	$0                         /* DS */
	pushl	$0                         /* ES */
	pushl	$V86_SS
	pushl	$V86_SP
	pushl	$(0x20002 | (\iopl << 12))
	pushl	$V86_CS
	pushl	$IP(\label)
	iret
.Lback\@:
	movl	$SEL_DATA32, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
.endm

/* In V86 code: the instruction must raise #GP; resume after it. */
.macro V86_GP insn:vararg
	movl	$IP(.Lr\@), REC_RESUME
.Li\@:	\insn
.Lr\@:
.endm

	.code32
	.text
	.globl	_start
_start:
	PM_SETUP
	movl	$0x90000, %esp
	movl	$v86_exit_hook, REC_HOOK
	movl	$0x40, %eax
	movl	$h40, %ebx
	movw	$SEL_CODE32, %cx
	movb	$0xee, %dl                 /* interrupt gate, DPL 3 */
	call	kit_set_gate

	movl	$0, REC_COUNT
	V86_CALL v86_iopl0, 0
	CHECKL	$0xbeef, 0x12350, 1
	CHECKL	$13, RES + 0x00, 3
	CHECKL	$0, RES + 0x04, 3
	CHECKL	$IP(v86_cli), RES + 0x08, 4
	CHECKL	$V86_CS, RES + 0x0c, 4
	testl	$0x20000, RES + 0x10
	EXPECT	nz, 4
	CHECKL	$8, REC_COUNT, 5              /* seven, then INT 0x31 */
	CHECKL	$0, REC_ERR, 5

	V86_CALL v86_iopl3, 3
	movl	RES + 0x20, %eax
	andl	$0x23000, %eax
	CHECKL	$0x3000, %eax, 7
	CHECKL	$(STACK0 - 36), RES + 0x30, 8
	CHECKL	$IP(v86_after40), RES + 0x34, 9
	CHECKL	$V86_CS, RES + 0x38, 9
	testl	$0x20000, RES + 0x3c
	EXPECT	nz, 9
	CHECKL	$V86_SP, RES + 0x40, 10
	CHECKL	$V86_SS, RES + 0x44, 10
	CHECKL	$0, RES + 0x48, 10
	CHECKL	$0x50, RES + 0x4c, 10
	CHECKL	$0, RES + 0x58, 11                /* DS in the handler */
	CHECKL	$0x5679, RES + 0x24, 12
	CHECKL	$0x50, RES + 0x28, 12
	CHECKL	$0x1234, RES + 0x2c, 13

	PASS32	"v86 ok"

/* #GP hook: INT 0x31 at IOPL 0 ends the V86 run. */
v86_exit_hook:
	cmpl	$IP(v86_exit), REC_EIP
	jne	1f
	cmpl	$V86_CS, REC_CS
	jne	1f
	movl	RING0_ESP, %esp
	jmp	*RING0_CONT
1:	ret

/* V86 INT 0x40 handler: frame EIP CS EFLAGS ESP SS ES DS FS GS. */
h40:
	pushl	%eax
	xorl	%eax, %eax
	movw	%ds, %ax
	pushl	%eax
	movw	$SEL_DATA32, %ax
	movw	%ax, %ds
	popl	RES + 0x58
	leal	4(%esp), %eax
	movl	%eax, RES + 0x30
	movl	4(%esp), %eax
	movl	%eax, RES + 0x34
	movl	8(%esp), %eax
	movl	%eax, RES + 0x38
	movl	12(%esp), %eax
	movl	%eax, RES + 0x3c
	movl	16(%esp), %eax
	movl	%eax, RES + 0x40
	movl	20(%esp), %eax
	movl	%eax, RES + 0x44
	movl	24(%esp), %eax
	movl	%eax, RES + 0x48
	movl	28(%esp), %eax
	movl	%eax, RES + 0x4c
	incl	%ebx
	popl	%eax
	iret

	.code16
v86_iopl0:
	movw	$0x1234, %ax
	movw	%ax, %ds
	movw	$0xbeef, 0x10
	xorw	%ax, %ax
	movw	%ax, %ds
	movb	$'v', %al
	outb	%al, $PORT_OUT
	movl	$IP(v86_cli_done), REC_RESUME
v86_cli:
	cli
v86_cli_done:
	movl	REC_VEC, %eax
	movl	%eax, RES + 0x00
	movl	REC_ERR, %eax
	movl	%eax, RES + 0x04
	movl	REC_EIP, %eax
	movl	%eax, RES + 0x08
	movl	REC_CS, %eax
	movl	%eax, RES + 0x0c
	movl	REC_EFL, %eax
	movl	%eax, RES + 0x10
	V86_GP	sti
	V86_GP	pushf
	V86_GP	popf
	V86_GP	int $0x21
	V86_GP	iret
	movw	$0x100, %dx
	V86_GP	inb %dx, %al
v86_exit:
	int	$0x31

v86_iopl3:
	cli
	sti
	pushfl
	popl	%eax
	movl	%eax, RES + 0x20
	movw	$0x5678, %bx
	movw	$0x50, %ax
	movw	%ax, %ds
	int	$0x40
v86_after40:
	movw	%ds, %ax
	xorw	%cx, %cx
	movw	%cx, %ds
	movw	%bx, RES + 0x24
	movw	%ax, RES + 0x28
	pushf
	pushw	%cs
	pushw	$IP(1f)
	iret
	movw	$0xdead, RES + 0x2c
	int	$VEC_RING0
1:	movw	$0x1234, RES + 0x2c
	int	$VEC_RING0
	.code32

	KIT_CODE
	GDT_BEGIN
	GDT_END
