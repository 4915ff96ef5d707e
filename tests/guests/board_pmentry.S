/*
 * tests/guests/board_pmentry.S: into protected mode and back to real mode
 * on the test board (real mode at 0:1000). Segment limits loaded in
 * protected mode stay in the descriptor caches after CR0.PE is cleared and
 * real-mode loads change only selector and base ("big real mode", SDM
 * Vol. 3 §9.9.2, §20.1.1).
 *  1     protected mode (16-bit, then 32-bit code) reaches 2 MiB through a
 *        4 GiB data segment;
 *  2     back in real mode, DS reloaded with 0 keeps its 4 GiB limit;
 *  3     FS = 0x1000: base 0x10000 with the 4 GiB limit (a write at
 *        FS:0x1f0000 lands at 0x200000);
 *  4     GS = 0x100: base 0x1000, reads it back through GS:0x1ff000;
 *  5     ES kept the 64 KiB limit it got in protected mode: ES:0x10000
 *        raises #GP (real-mode vector 13), handled through the IVT;
 *  6     SS kept its 64 KiB limit: SS:0x10000 raises #SS (vector 12);
 *  7     INT 0x40 through the IVT works again, CS:IP real-mode style.
 * Exit code 0 and "pmentry ok" on 0xE9, else the failed check's number.
 */
#include "board_kit.h"

	.code16
	.text
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$rm_fault13, 13 * 4
	movw	$0, 13 * 4 + 2
	movw	$rm_fault12, 12 * 4
	movw	$0, 12 * 4 + 2
	movw	$rm_int40, 0x40 * 4
	movw	$0, 0x40 * 4 + 2
	movl	$0, REC_COUNT

	lgdtl	gdt_desc
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	ljmp	$SEL_CODE16, $pm16
pm16:
	movw	$SEL_DATA32, %ax
	movw	%ax, %ds
	movw	%ax, %fs
	movw	%ax, %gs
	movw	$SEL_DATA16, %ax
	movw	%ax, %es
	addr32 movl	$0xcafef00d, %ds:0x200000
	ljmp	$SEL_CODE32, $pm32

	.code32
pm32:
	CHECKL	$0xcafef00d, 0x200000, 1
	ljmp	$SEL_CODE16, $back16

	.code16
back16:
	movl	%cr0, %eax
	andb	$0xfe, %al
	movl	%eax, %cr0
	ljmp	$0, $real
real:
	xorw	%ax, %ax
	movw	%ax, %ds
	/* 2: DS = 0 with a 4 GiB limit. */
	addr32 movl	%ds:0x200000, %eax
	CHECKL	$0xcafef00d, %eax, 2
	/* 3: FS = 0x1000, base 0x10000. */
	movw	$0x1000, %ax
	movw	%ax, %fs
	addr32 movl	$0x11223344, %fs:0x1f0000
	addr32 movl	%ds:0x200000, %eax
	CHECKL	$0x11223344, %eax, 3
	movl	%eax, RES + 0
	/* 4: GS = 0x100, base 0x1000. */
	movw	$0x100, %ax
	movw	%ax, %gs
	addr32 movl	%gs:0x1ff000, %eax
	CHECKL	$0x11223344, %eax, 4
	/* 5: ES kept 64 KiB: #GP. */
	movl	$0, REC_COUNT
	movw	$1f, REC_RESUME
	movl	$0x10000, %ebx
	addr32 movl	%es:(%ebx), %eax
1:	CHECKL	$1, REC_COUNT, 5
	CHECKL	$13, REC_VEC, 5
	/* 6: SS kept 64 KiB: #SS. */
	movw	$1f, REC_RESUME
	addr32 movb	%ss:(%ebx), %al
1:	CHECKL	$2, REC_COUNT, 6
	CHECKL	$12, REC_VEC, 6
	/* 7: INT 0x40 through the IVT. */
	movl	$0, RES + 4
	int	$0x40
	CHECKL	$0x40, RES + 4, 7

	movw	$msg, %si
2:	lodsb
	testb	%al, %al
	jz	3f
	outb	%al, $PORT_OUT
	jmp	2b
3:	movb	$0, %al
	outb	%al, $PORT_EXIT
	hlt
msg:	.asciz	"pmentry ok"

/* Real-mode exception handlers: record the vector, resume at REC_RESUME. */
rm_fault13:
	movl	$13, %cs:REC_VEC
	jmp	rm_fault
rm_fault12:
	movl	$12, %cs:REC_VEC
rm_fault:
	pushw	%bp
	pushw	%ax
	movw	%sp, %bp
	incl	%cs:REC_COUNT
	movw	%cs:REC_RESUME, %ax
	movw	%ax, 4(%bp)
	popw	%ax
	popw	%bp
	iret

rm_int40:
	movl	$0x40, %cs:RES + 4
	iret

	KIT_CODE
	GDT_BEGIN
	GDT_END
