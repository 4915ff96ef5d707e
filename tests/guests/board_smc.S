/*
 * tests/guests/board_smc.S: self-modifying code on the test board (flat
 * 32-bit protected mode at 0x1000). Every patched instruction has run
 * before, so a decoded copy exists; a P6 notices stores into code it has
 * fetched (SDM Vol. 3 §11.6) and the emulator must too:
 *  1-3  a store overwrites the opcode of the very next instruction;
 *  4    a store patches the immediate of a loop body already executed;
 *  5-10 a store patches a byte at offset >= 1 of a cached instruction (the
 *       last immediate byte, a displacement byte, behind a prefix), which a
 *       cache that recorded the wrong length for its bytes would miss;
 *  11-12 REP STOSB, then REP MOVSB, over code already executed;
 *  13-14 REP STOSB overwriting the instruction right after it;
 *  15-16 an instruction crossing a page boundary, patched in either page.
 * Exit code 0 and "smc ok" on 0xE9, else the number of the failed check;
 * results at RES (0x600) for the C suite.
 */
#include "board_kit.h"

	.code32
	.text
	.globl	_start
_start:
	PM_SETUP
	movl	$0x90000, %esp

	/* 1-3: the next instruction, DEC EAX (0x48) or INC EAX (0x40). */
	xorl	%eax, %eax
	movb	$0x48, %bl
	call	smc_next
	CHECKL	$-1, %eax, 1
	xorl	%eax, %eax
	movb	$0x40, %bl
	call	smc_next
	CHECKL	$1, %eax, 2
	movl	%eax, RES + 0
	xorl	%eax, %eax
	movb	$0x48, %bl
	call	smc_next
	CHECKL	$-1, %eax, 3

	/* 4: ADD EAX, 1 in a loop of 10; at the end of the 5th iteration the
	 * immediate becomes 0x10: 5 * 1 + 5 * 16 = 85. */
	xorl	%eax, %eax
	movl	$10, %ecx
loop4:
	.byte	0x83, 0xc0, 0x01         /* add eax, 1 */
	cmpl	$6, %ecx
	jne	1f
	movb	$0x10, loop4 + 2
1:	loop	loop4
	CHECKL	$85, %eax, 4
	movl	%eax, RES + 4

	/* 5-6: the last byte (offset 4) of MOV EAX, imm32. */
	call	smc_imm
	CHECKL	$0x11223344, %eax, 5
	movb	$0x99, smc_imm + 4
	call	smc_imm
	CHECKL	$0x99223344, %eax, 6
	movl	%eax, RES + 8

	/* 7-9: MOV dword [disp32], imm32 (10 bytes): first the low byte of the
	 * displacement (offset 2) moves the store from data_a to data_b, then
	 * the last byte of the immediate (offset 9) changes the value. */
	movl	$0, data_a
	movl	$0, data_b
	call	smc_disp
	CHECKL	$0x5a5a5a5a, data_a, 7
	addb	$data_b - data_a, smc_disp + 2   /* data_b, same high bytes */
	movl	$0, data_a
	call	smc_disp
	CHECKL	$0x5a5a5a5a, data_b, 8
	CHECKL	$0, data_a, 8
	movb	$0x17, smc_disp + 9
	call	smc_disp
	CHECKL	$0x175a5a5a, data_b, 9
	movl	data_b, %eax
	movl	%eax, RES + 12

	/* 10: ADD AX, imm16 behind an operand-size prefix; patch offset 4. */
	xorl	%eax, %eax
	call	smc_pfx
	movb	$0x56, smc_pfx + 4
	call	smc_pfx
	CHECKL	$(0x1234 + 0x5634), %eax, 10
	movl	%eax, RES + 16

	/* 11: REP STOSB turns MOV EAX, 7 into five INC EAX. */
	xorl	%eax, %eax
	call	smc_fill
	CHECKL	$7, %eax, 11
	cld
	movl	$smc_fill, %edi
	movl	$5, %ecx
	movb	$0x40, %al
	rep stosb
	xorl	%eax, %eax
	call	smc_fill
	CHECKL	$5, %eax, 11
	movl	%eax, RES + 20

	/* 12: REP MOVSB copies MOV EAX, 42 over it. */
	movl	$mov42, %esi
	movl	$smc_fill, %edi
	movl	$5, %ecx
	rep movsb
	xorl	%eax, %eax
	call	smc_fill
	CHECKL	$42, %eax, 12
	movl	%eax, RES + 24

	/* 13-14: REP STOSB writes the DEC EDX/INC EDX right after itself. */
	xorl	%edx, %edx
	movb	$0x4a, %bl
	call	smc_repnext
	CHECKL	$-1, %edx, 13
	xorl	%edx, %edx
	movb	$0x42, %bl
	call	smc_repnext
	CHECKL	$1, %edx, 14

	/* 15-16: MOV EAX, imm32 at 0x...ffd: patch offset 4 (second page),
	 * then offset 1 (first page). */
	call	smc_cross
	CHECKL	$0x04030201, %eax, 15
	movb	$0x77, smc_cross + 4
	call	smc_cross
	CHECKL	$0x77030201, %eax, 15
	movb	$0x66, smc_cross + 1
	call	smc_cross
	CHECKL	$0x77030266, %eax, 16
	movl	%eax, RES + 28

	PASS32	"smc ok"

/* BL -> the opcode of the next instruction. */
smc_next:
	movb	%bl, 1f
1:	.byte	0x48                     /* dec eax (patched) */
	ret

smc_imm:
	.byte	0xb8, 0x44, 0x33, 0x22, 0x11   /* mov eax, 0x11223344 */
	ret

smc_disp:
	.byte	0xc7, 0x05               /* mov dword [data_a], 0x5a5a5a5a */
	.long	data_a
	.long	0x5a5a5a5a
	ret

smc_pfx:
	.byte	0x66, 0x81, 0xc0, 0x34, 0x12   /* add ax, 0x1234 */
	ret

/* BL -> the byte after the REP STOSB (one iteration). */
smc_repnext:
	movb	%bl, %al
	movl	$1f, %edi
	movl	$1, %ecx
	cld
	rep stosb
1:	.byte	0x4a                     /* dec edx (patched) */
	ret

mov42:	.byte	0xb8, 42, 0, 0, 0

	.p2align 4
smc_fill:
	.byte	0xb8, 7, 0, 0, 0         /* mov eax, 7 */
	ret
	.p2align 4

	/* data_a and data_b differ in the low byte only. */
	.p2align 8
data_a:	.long	0
	.skip	12
data_b:	.long	0

	KIT_CODE

	.p2align 12
	.skip	0x1000 - 3
smc_cross:
	.byte	0xb8, 0x01, 0x02, 0x03, 0x04   /* mov eax, 0x04030201 */
	ret

	GDT_BEGIN
	GDT_END
