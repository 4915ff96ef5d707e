/*
 * tests/guests/board_fault.S: fault restart on the test board (flat 32-bit
 * protected mode at 0x1000, paging on). A faulting instruction must leave no
 * partial state (SDM Vol. 3 §6.5: faults are restartable): the #PF hook
 * records the registers at the fault, maps the missing page and returns to
 * the faulting instruction, which then runs once, completely.
 *  1-4   PUSH m32 with the source in a missing page (CPL 0);
 *  5-8   POP m32 with the destination in a missing page (ESP not popped);
 *  9-12  MOVSD with the destination missing (ESI/EDI not advanced);
 *  13-14 MOVSD with the source missing;
 *  15-18 REP MOVSB running into a missing page: the completed iterations
 *        stay (ECX/ESI/EDI at the boundary), the rest finish after restart;
 *  19-23 CPL 3: a far CALL whose second push (EIP) hits a missing stack
 *        page after the first (CS) fitted: ESP unchanged at the fault;
 *  24-26 CPL 3: PUSH at the bottom of a mapped stack page;
 *  27-29 CPL 3: POP from a missing stack page (ECX, ESP unchanged).
 * Exit code 0 and "fault ok" on 0xE9, else the failed check's number.
 */
#include "board_kit.h"

#define FAULT_ECX 0x540   /* registers when the #PF hook ran */
#define FAULT_ESI 0x544
#define FAULT_EDI 0x548
#define PF_COUNT  0x54c

	.code32
	.text
	.globl	_start
_start:
	PM_SETUP
	movl	$0x90000, %esp
	call	kit_paging_build
	movl	$pf_fix, REC_HOOK
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	jmp	1f
1:
	/* 1-4: PUSH dword [0x200010], page 0x200000 missing. */
	movl	$0xfeedface, 0x200010
	movl	$0x200000, %eax
	call	unmap
	movl	%esp, %ebp
	pushl	0x200010
	CHECKL	$1, PF_COUNT, 1
	CHECKL	$0x200010, REC_CR2, 2
	CHECKL	$0, REC_ERR, 2
	CHECKL	%ebp, REC_ESP, 3
	leal	-4(%ebp), %eax
	cmpl	%eax, %esp
	EXPECT	e, 4
	CHECKL	$0xfeedface, (%esp), 4
	addl	$4, %esp

	/* 5-8: POP dword [0x201020], page 0x201000 missing. */
	movl	$0x201000, %eax
	call	unmap
	pushl	$0x13572468
	movl	%esp, %ebp
	popl	0x201020
	CHECKL	$1, PF_COUNT, 5
	CHECKL	$0x201020, REC_CR2, 6
	CHECKL	$2, REC_ERR, 6
	CHECKL	%ebp, REC_ESP, 7
	leal	4(%ebp), %eax
	cmpl	%eax, %esp
	EXPECT	e, 7
	CHECKL	$0x13572468, 0x201020, 8

	/* 9-12: MOVSD to 0x202008, page 0x202000 missing. */
	movl	$0x202000, %eax
	call	unmap
	movl	$0xa1a2a3a4, srcbuf
	movl	$srcbuf, %esi
	movl	$0x202008, %edi
	cld
	movsl
	CHECKL	$1, PF_COUNT, 9
	CHECKL	$0x202008, REC_CR2, 9
	CHECKL	$2, REC_ERR, 9
	CHECKL	$srcbuf, FAULT_ESI, 10
	CHECKL	$0x202008, FAULT_EDI, 10
	CHECKL	$(srcbuf + 4), %esi, 11
	CHECKL	$0x20200c, %edi, 11
	CHECKL	$0xa1a2a3a4, 0x202008, 12

	/* 13-14: MOVSD from 0x203004, page 0x203000 missing. */
	movl	$0x55aa55aa, 0x203004
	movl	$0x203000, %eax
	call	unmap
	movl	$0x203004, %esi
	movl	$srcbuf, %edi
	movsl
	CHECKL	$1, PF_COUNT, 13
	CHECKL	$0x203004, REC_CR2, 13
	CHECKL	$0, REC_ERR, 13
	CHECKL	$0x203004, FAULT_ESI, 13
	CHECKL	$0x203008, %esi, 14
	CHECKL	$(srcbuf + 4), %edi, 14
	CHECKL	$0x55aa55aa, srcbuf, 14

	/* 15-18: REP MOVSB of 32 bytes from 0x100000 to 0x204ff0; page
	 * 0x205000 missing. */
	movl	$0x100000, %edi
	xorl	%eax, %eax
2:	stosb
	incb	%al
	cmpb	$32, %al
	jb	2b
	movl	$0x205000, %eax
	call	unmap
	movl	$0x100000, %esi
	movl	$0x204ff0, %edi
	movl	$32, %ecx
	rep movsb
	CHECKL	$1, PF_COUNT, 15
	CHECKL	$0x205000, REC_CR2, 15
	CHECKL	$2, REC_ERR, 15
	CHECKL	$16, FAULT_ECX, 16
	CHECKL	$0x100010, FAULT_ESI, 16
	CHECKL	$0x205000, FAULT_EDI, 16
	CHECKL	$0, %ecx, 17
	CHECKL	$0x100020, %esi, 17
	CHECKL	$0x205010, %edi, 17
	movl	$0x100000, %esi
	movl	$0x204ff0, %edi
	movl	$32, %ecx
	repe cmpsb
	EXPECT	e, 18
	movl	%ecx, RES + 0

	/* 19-23: CPL 3 far CALL, stack 0x207004 with page 0x206000 missing. */
	movl	$0x206000, %eax
	call	unmap
	RING3_CALL r3_farcall
	CHECKL	$1, PF_COUNT, 19
	CHECKL	$0x206ffc, REC_CR2, 19
	CHECKL	$6, REC_ERR, 19
	CHECKL	$0x207004, REC_ESP, 20
	CHECKL	$r3_lcall, REC_EIP, 20
	CHECKL	$0x206ffc, RES + 0x24, 21
	CHECKL	$r3_ret, RES + 0x28, 22
	cmpw	$SEL_CODE3, RES + 0x2c
	EXPECT	e, 22
	CHECKL	$0x207004, RES + 0x20, 23

	/* 24-26: CPL 3 PUSH with ESP 0x209000, page 0x208000 missing. */
	movl	$0x208000, %eax
	call	unmap
	RING3_CALL r3_push
	CHECKL	$1, PF_COUNT, 24
	CHECKL	$0x208ffc, REC_CR2, 24
	CHECKL	$6, REC_ERR, 24
	CHECKL	$0x209000, REC_ESP, 25
	CHECKL	$0x208ffc, RES + 0x30, 26
	CHECKL	$0x11223344, 0x208ffc, 26

	/* 27-29: CPL 3 POP ECX with ESP 0x20aff8 in a missing page. */
	movl	$0xabcdef01, 0x20aff8
	movl	$0x20a000, %eax
	call	unmap
	RING3_CALL r3_pop
	CHECKL	$1, PF_COUNT, 27
	CHECKL	$0x20aff8, REC_CR2, 27
	CHECKL	$4, REC_ERR, 27
	CHECKL	$0x20aff8, REC_ESP, 28
	CHECKL	$0x1111, FAULT_ECX, 28
	CHECKL	$0xabcdef01, RES + 0x34, 29
	CHECKL	$0x20affc, RES + 0x38, 29

	CHECKL	$8, REC_COUNT, 30
	PASS32	"fault ok"

r3_farcall:
	RING3_ENTRY
	movl	$0x207004, %esp
r3_lcall:
	lcall	$SEL_CODE3, $r3_target
r3_ret:
	movl	%esp, RES + 0x20
	int	$VEC_RING0
r3_target:
	movl	%esp, RES + 0x24
	movl	(%esp), %eax
	movl	%eax, RES + 0x28
	movl	4(%esp), %eax
	movl	%eax, RES + 0x2c
	lret

r3_push:
	RING3_ENTRY
	movl	$0x209000, %esp
	pushl	$0x11223344
	movl	%esp, RES + 0x30
	int	$VEC_RING0

r3_pop:
	RING3_ENTRY
	movl	$0x20aff8, %esp
	movl	$0x1111, %ecx
	popl	%ecx
	movl	%ecx, RES + 0x34
	movl	%esp, RES + 0x38
	int	$VEC_RING0

/* Clear the present bit of the page at EAX; PF_COUNT = 0. */
unmap:
	pushl	%eax
	shrl	$12, %eax
	andl	$~1, PT0_BASE(,%eax,4)
	popl	%eax
	invlpg	(%eax)
	movl	$0, PF_COUNT
	ret

/* #PF hook: [esp + 4] is the handler's PUSHAL frame (EDI first). */
pf_fix:
	cmpl	$14, REC_VEC
	jne	1f
	movl	28(%esp), %eax
	movl	%eax, FAULT_ECX
	movl	8(%esp), %eax
	movl	%eax, FAULT_ESI
	movl	4(%esp), %eax
	movl	%eax, FAULT_EDI
	movl	REC_CR2, %eax
	shrl	$12, %eax
	orl	$1, PT0_BASE(,%eax,4)
	movl	REC_CR2, %eax
	invlpg	(%eax)
	incl	PF_COUNT
1:	ret

	.p2align 2
srcbuf:	.long	0, 0

	KIT_CODE
	GDT_BEGIN
	GDT_END
