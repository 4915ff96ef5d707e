/*
 * tests/guests/board_kit.h: shared by the board_*.S CPU guests (run on the test
 * board, tests/board/board.h; assembled with gcc -m32 -x assembler-with-cpp,
 * linked at 0x1000). It gives
 *  - the ports: 0xE9 text out, 0xF4 exit (0 = pass, n = check n failed);
 *  - EXPECT/CHECKL: after a compare, exit with a distinct code on mismatch;
 *  - a record area at 0x500 that the exception handlers fill and the C
 *    suite (tests/test_board_guests.c) reads back;
 *  - a flat 32-bit protected-mode kit: a common GDT, an IDT whose exception
 *    stubs record vector, error code, EIP, CS, CR2 and the faulting ESP and
 *    then either resume at REC_RESUME or restart the instruction (after an
 *    optional hook, e.g. one that maps the missing page), a TSS with ESP0 and
 *    an all-open I/O bitmap for ports 0-255, CPL 3 round trips, and an
 *    identity-mapped page table for the first 4 MiB.
 *
 * Physical memory map: 0x500 records, 0x600 results, 0x1000 guest code,
 * 0x10000 IDT, 0x11000 TSS, 0x20000 page directory, 0x21000 page table for
 * 0-4 MiB, 0x70000 CPL-3 stack top, 0x80000 CPL-0 stack top (TSS.ESP0),
 * 0x90000 initial stack top (board_enter_flat32).
 */
#define PORT_OUT  0xe9
#define PORT_EXIT 0xf4

#define REC_VEC    0x500   /* last exception vector */
#define REC_ERR    0x504   /* its error code (0 when it has none) */
#define REC_EIP    0x508   /* EIP in its frame */
#define REC_CS     0x50c   /* CS in its frame */
#define REC_CR2    0x510   /* CR2 at delivery */
#define REC_ESP    0x514   /* ESP of the interrupted code */
#define REC_COUNT  0x518   /* exceptions taken */
#define REC_RESUME 0x51c   /* nonzero: resume at this EIP (then cleared) */
#define REC_HOOK   0x520   /* nonzero: called (CPL 0, pushal'd) before return */
#define REC_EFL    0x524   /* EFLAGS in its frame */
#define RING0_ESP  0x530   /* RING3_CALL: CPL-0 ESP to come back to */
#define RING0_CONT 0x534   /* RING3_CALL: where CPL 0 continues */
#define RES        0x600   /* guest results, dwords, for the C suite */

#define IDT_BASE  0x10000
#define TSS_BASE  0x11000
#define TSS_LIMIT 0x88     /* 0x68 bytes, 32 bytes of I/O bitmap, 0xFF */
#define PD_BASE   0x20000
#define PT0_BASE  0x21000
#define STACK3    0x70000
#define STACK0    0x80000

#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define SEL_CODE16 0x18
#define SEL_DATA16 0x20
#define SEL_CODE3  0x2b
#define SEL_DATA3  0x33
#define SEL_TSS    0x38
#define VEC_RING0  0x30    /* INT 0x30 from CPL 3 ends a RING3_CALL */

/* After a compare: go on when condition cc holds, else exit with code. */
.macro EXPECT cc, code
	j\cc	.Lok\@
	movb	$\code, %al
	jmp	fail
.Lok\@:
.endm

/* Exit with code unless the dword operand equals val. */
.macro CHECKL val, operand, code
	cmpl	\val, \operand
	EXPECT	e, \code
.endm

/* A segment descriptor: flags is the G/D nibble (0xc: 4 KiB granular,
 * 32-bit). */
.macro DESC base, limit, access, flags
	.word	(\limit) & 0xffff
	.word	(\base) & 0xffff
	.byte	((\base) >> 16) & 0xff
	.byte	\access
	.byte	(((\limit) >> 16) & 0xf) | ((\flags) << 4)
	.byte	((\base) >> 24) & 0xff
.endm

/* The GDT: the common entries 0x00-0x38; a guest may add its own entries
 * (from 0x40) between GDT_BEGIN and GDT_END. */
.macro GDT_BEGIN
	.p2align 3
gdt:
	.quad	0
	DESC	0, 0xfffff, 0x9a, 0xc          /* 0x08 flat code, 32-bit */
	DESC	0, 0xfffff, 0x92, 0xc          /* 0x10 flat data */
	DESC	0, 0xffff, 0x9a, 0x0           /* 0x18 code, 16-bit, 64 KiB */
	DESC	0, 0xffff, 0x92, 0x0           /* 0x20 data, 64 KiB */
	DESC	0, 0xfffff, 0xfa, 0xc          /* 0x28 flat code, DPL 3 */
	DESC	0, 0xfffff, 0xf2, 0xc          /* 0x30 flat data, DPL 3 */
	DESC	TSS_BASE, TSS_LIMIT, 0x89, 0   /* 0x38 the TSS */
.endm
.macro GDT_END
gdt_end:
	.p2align 2
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
idt_desc:
	.word	256 * 8 - 1
	.long	IDT_BASE
.endm

/* From the board's flat 32-bit entry: load the GDT, IDT and TR. */
.macro PM_SETUP
	lgdt	gdt_desc
	ljmp	$SEL_CODE32, $.Lpm\@
.Lpm\@:
	movl	$SEL_DATA32, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	call	kit_idt_build
	call	kit_tss_build
	lidt	idt_desc
	movw	$SEL_TSS, %ax
	ltr	%ax
.endm

/* Run the code at fn at CPL 3 (flat selectors, ESP = esp3, EFLAGS = flags);
 * fn ends with `int $VEC_RING0` and execution continues after the macro at
 * CPL 0. */
.macro RING3_CALL fn, esp3=STACK3, flags=0x2
	movl	%esp, RING0_ESP
	movl	$.Lback\@, RING0_CONT
	pushl	$SEL_DATA3
	pushl	$\esp3
	pushl	$\flags
	pushl	$SEL_CODE3
	pushl	$\fn
	iret
.Lback\@:
.endm
/* First thing at a CPL-3 entry point: flat DPL-3 data segments. */
.macro RING3_ENTRY
	movw	$SEL_DATA3, %ax
	movw	%ax, %ds
	movw	%ax, %es
.endm

/* Print the string at msg (32-bit code) and exit with 0. */
.macro PASS32 msg
	movl	$.Lmsg\@, %esi
	call	kit_puts32
	movb	$0, %al
	outb	%al, $PORT_EXIT
	cli
	hlt
.Lmsg\@:
	.asciz	"\msg"
.endm

/* The routines (emit once, in 32-bit code). `fail` is also valid 16-bit
 * code: it only uses OUT imm8, CLI and HLT. */
.macro KIT_CODE
	.code32
fail:
	outb	%al, $PORT_EXIT
	cli
	hlt
	jmp	fail

kit_puts32:
	lodsb
	testb	%al, %al
	jz	1f
	outb	%al, $PORT_OUT
	jmp	kit_puts32
1:	ret

/* set_gate: EAX vector, EBX offset, CX selector, DL access byte. */
kit_set_gate:
	pushl	%edi
	leal	IDT_BASE(,%eax,8), %edi
	movw	%bx, (%edi)
	movw	%cx, 2(%edi)
	movb	$0, 4(%edi)
	movb	%dl, 5(%edi)
	pushl	%ebx
	shrl	$16, %ebx
	movw	%bx, 6(%edi)
	popl	%ebx
	popl	%edi
	ret

kit_idt_build:
	pushal
	movl	$IDT_BASE, %edi
	movl	$512, %ecx
	xorl	%eax, %eax
	cld
	rep stosl
	xorl	%eax, %eax
1:	movl	%eax, %ebx
	shll	$4, %ebx
	addl	$kit_exc_stubs, %ebx
	movw	$SEL_CODE32, %cx
	movb	$0x8e, %dl
	call	kit_set_gate
	incl	%eax
	cmpl	$32, %eax
	jb	1b
	movl	$VEC_RING0, %eax
	movl	$kit_ring0, %ebx
	movb	$0xee, %dl
	call	kit_set_gate
	xorl	%eax, %eax
	movl	%eax, REC_COUNT
	movl	%eax, REC_RESUME
	movl	%eax, REC_HOOK
	popal
	ret

kit_tss_build:
	pushal
	movl	$TSS_BASE, %edi
	movl	$36, %ecx                /* dwords up to 0x8f */
	xorl	%eax, %eax
	cld
	rep stosl
	movl	$STACK0, TSS_BASE + 4
	movl	$SEL_DATA32, TSS_BASE + 8
	movw	$0x68, TSS_BASE + 0x66
	movb	$0xff, TSS_BASE + 0x88
	popal
	ret

/* Identity-map 0-4 MiB with 4 KiB pages, user and writable. */
kit_paging_build:
	pushal
	cld
	movl	$PD_BASE, %edi
	movl	$1024, %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$PT0_BASE | 7, PD_BASE
	movl	$PT0_BASE, %edi
	movl	$7, %eax
	movl	$1024, %ecx
1:	stosl
	addl	$0x1000, %eax
	loop	1b
	movl	$PD_BASE, %eax
	movl	%eax, %cr3
	popal
	ret

kit_ring0:
	movl	$SEL_DATA32, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movl	RING0_ESP, %esp
	jmp	*RING0_CONT

	.p2align 4
kit_exc_stubs:
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.p2align 4
	.if	(\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17)
	.else
	pushl	$0
	.endif
	pushl	$\v
	jmp	kit_exc_common
	.endr

/* Frame: vector, error, EIP, CS, EFLAGS [, ESP, SS (from CPL 3 or V86)]. */
kit_exc_common:
	pushl	%eax
	pushl	%ds
	pushl	%es
	movl	$SEL_DATA32, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movl	12(%esp), %eax
	movl	%eax, REC_VEC
	movl	16(%esp), %eax
	movl	%eax, REC_ERR
	movl	20(%esp), %eax
	movl	%eax, REC_EIP
	movl	24(%esp), %eax
	movl	%eax, REC_CS
	movl	28(%esp), %eax
	movl	%eax, REC_EFL
	movl	%cr2, %eax
	movl	%eax, REC_CR2
	testl	$0x20000, 28(%esp)
	jnz	1f
	testb	$3, 24(%esp)
	jnz	1f
	leal	32(%esp), %eax
	jmp	2f
1:	movl	32(%esp), %eax
2:	movl	%eax, REC_ESP
	incl	REC_COUNT
	cmpl	$64, REC_COUNT
	jb	3f
	movb	$0xee, %al               /* runaway faults */
	jmp	fail
3:	cmpl	$0, REC_HOOK
	je	4f
	pushal
	call	*REC_HOOK
	popal
4:	movl	REC_RESUME, %eax
	testl	%eax, %eax
	jz	5f
	movl	%eax, 20(%esp)
	movl	$0, REC_RESUME
5:	popl	%es
	popl	%ds
	popl	%eax
	addl	$8, %esp
	iret
.endm
