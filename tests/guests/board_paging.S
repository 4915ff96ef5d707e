/*
 * tests/guests/board_paging.S: 32-bit paging on the test board (flat 32-bit
 * protected mode at 0x1000; needs 16 MiB). SDM Vol. 3 §4.3 (32-bit paging),
 * §4.7 (#PF error code: P=1, W/R=2, U/S=4), §4.8 (accessed and dirty).
 *  1-3   A and D in a PTE (and A in the PDE): read sets A, write sets D;
 *  4     read of a not-present page: error 0, CR2, EIP of the MOV;
 *  5-7   CPL-0 write to a read-only page: allowed with CR0.WP = 0 (and D
 *        set), #PF error 3 with CR0.WP = 1 and memory unchanged;
 *  8     fetch from a not-present page: error 0, CR2 = EIP = the target;
 *  9-12  4 MiB pages (CR4.PSE): an alias of 0x400000 at 0x800000, A/D in
 *        the PDE, a not-present 4 MiB PDE, a read-only one with CR0.WP;
 *  13    INVLPG after remapping a PTE;
 *  14    (variant 1) a dword straddling into a missing page: CR2 = the
 *        first byte of the missing page;
 *  15-19 CPL 3: supervisor page read (5), read-only write (7), not-present
 *        write (6), fetch from a supervisor page (5), read-only read (ok).
 * Exit code 0 and "paging ok" on 0xE9, else the failed check's number.
 */
#include "board_kit.h"

#define VARIANT 0x5f0   /* set by the C suite: 1 runs check 14 only */
#define PTE(lin) (PT0_BASE + ((lin) >> 12) * 4)

	.code32
	.text
	.globl	_start
_start:
	PM_SETUP
	movl	$0x90000, %esp
	call	kit_paging_build
	movl	$0x400000 | 0x87, PD_BASE + 4      /* 4-8 MiB: identity, 4 MiB page */
	movl	$0x400000 | 0x87, PD_BASE + 8      /* 8-12 MiB: alias of 4-8 MiB */
	movl	$0, PD_BASE + 12                   /* 12-16 MiB: not present */
	movl	$0x400000 | 0x85, PD_BASE + 16     /* 16-20 MiB: read-only alias */
	movl	$0x301006, PTE(0x301000)           /* not present */
	movl	$0x302006, PTE(0x302000)           /* not present */
	movl	$0x306006, PTE(0x306000)           /* not present */
	movl	$0x310003, PTE(0x310000)           /* supervisor, writable */
	movl	$0x311005, PTE(0x311000)           /* user, read-only */
	movl	$0x312003, PTE(0x312000)           /* supervisor code */
	movl	$0x313005, PTE(0x313000)           /* user, read-only (CR0.WP) */
	movb	$0xc3, 0x312000                    /* ret */
	movl	$0x600d600d, 0x311000
	movl	%cr4, %eax
	orl	$0x10, %eax                        /* PSE */
	movl	%eax, %cr4
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	jmp	1f
1:	cmpl	$1, VARIANT
	je	straddle

	/* 1-3: A/D on page 0x300000 (PTE 0x300007, A and D clear). */
	andl	$~0x20, PD_BASE
	movl	$0x300000, %eax
	invlpg	(%eax)
	movl	0x300000, %eax
	movl	PTE(0x300000), %eax
	andl	$0x60, %eax
	CHECKL	$0x20, %eax, 1
	testl	$0x20, PD_BASE
	EXPECT	nz, 1
	movl	$5, 0x300000
	movl	PTE(0x300000), %eax
	andl	$0x60, %eax
	CHECKL	$0x60, %eax, 2
	movl	%eax, RES + 0
	andl	$~0x60, PTE(0x300000)
	movl	$0x300000, %eax
	invlpg	(%eax)
	movb	$5, 0x300004
	movl	PTE(0x300000), %eax
	andl	$0x60, %eax
	CHECKL	$0x60, %eax, 3

	/* 4: read of the not-present page 0x301000. */
	movl	$0, REC_COUNT
	movl	$1f, REC_RESUME
fault4:	movl	0x301234, %eax
1:	CHECKL	$1, REC_COUNT, 4
	CHECKL	$14, REC_VEC, 4
	CHECKL	$0, REC_ERR, 4
	CHECKL	$0x301234, REC_CR2, 4
	CHECKL	$fault4, REC_EIP, 4

	/* 5-7: page 0x313000 is read-only. */
	movl	$0x313000, %eax
	invlpg	(%eax)
	movl	$0, REC_COUNT
	movl	$0x1234, 0x313010
	CHECKL	$0, REC_COUNT, 5
	testl	$0x40, PTE(0x313000)
	EXPECT	nz, 5
	movl	%cr0, %eax
	orl	$0x10000, %eax                     /* WP */
	movl	%eax, %cr0
	movl	$1f, REC_RESUME
	movl	$0x5678, 0x313010
1:	CHECKL	$1, REC_COUNT, 6
	CHECKL	$3, REC_ERR, 6
	CHECKL	$0x313010, REC_CR2, 6
	CHECKL	$0x1234, 0x313010, 7

	/* 8: CALL into the not-present page 0x302000. */
	movl	$0, REC_COUNT
	movl	$1f, REC_RESUME
	call	0x302000
1:	addl	$4, %esp
	CHECKL	$1, REC_COUNT, 8
	CHECKL	$0, REC_ERR, 8
	CHECKL	$0x302000, REC_CR2, 8
	CHECKL	$0x302000, REC_EIP, 8

	/* 9-10: the 4 MiB alias 0x800000 -> 0x400000. */
	andl	$~0x60, PD_BASE + 4
	andl	$~0x60, PD_BASE + 8
	movl	$0x12345678, 0x800100
	CHECKL	$0x12345678, 0x400100, 9
	movl	PD_BASE + 8, %eax
	andl	$0x60, %eax
	CHECKL	$0x60, %eax, 10
	movl	PD_BASE + 4, %eax
	andl	$0x60, %eax
	CHECKL	$0x20, %eax, 10
	movl	%eax, RES + 4

	/* 11: not-present 4 MiB PDE. */
	movl	$0, REC_COUNT
	movl	$1f, REC_RESUME
	movl	0xc00040, %eax
1:	CHECKL	$1, REC_COUNT, 11
	CHECKL	$0, REC_ERR, 11
	CHECKL	$0xc00040, REC_CR2, 11

	/* 12: read-only 4 MiB page, CR0.WP = 1: reads work, writes fault. */
	movl	$0, REC_COUNT
	CHECKL	$0x12345678, 0x1000100, 12
	movl	$1f, REC_RESUME
	movl	$0, 0x1000100
1:	CHECKL	$1, REC_COUNT, 12
	CHECKL	$3, REC_ERR, 12
	CHECKL	$0x1000100, REC_CR2, 12

	/* 13: remap 0x303000 to 0x304000 and INVLPG. */
	movl	$0xaaaa0303, 0x303000
	movl	$0xbbbb0304, 0x304000
	CHECKL	$0xaaaa0303, 0x303000, 13
	movl	$0x304007, PTE(0x303000)
	movl	$0x303000, %eax
	invlpg	(%eax)
	CHECKL	$0xbbbb0304, 0x303000, 13

	/* 15-19: CPL 3 (results at RES + 0x40..). */
	movl	$0, REC_COUNT
	RING3_CALL r3_faults
	CHECKL	$5, RES + 0x40, 15
	CHECKL	$0x310000, RES + 0x44, 15
	CHECKL	$7, RES + 0x48, 16
	CHECKL	$0x311000, RES + 0x4c, 16
	CHECKL	$6, RES + 0x50, 17
	CHECKL	$0x301010, RES + 0x54, 17
	CHECKL	$5, RES + 0x58, 18
	CHECKL	$0x312000, RES + 0x5c, 18
	CHECKL	$0x600d600d, RES + 0x60, 19
	CHECKL	$4, REC_COUNT, 19

	PASS32	"paging ok"

	/* 14: dword at 0x305ffe, page 0x306000 missing: CR2 is the first
	 * byte of the missing page (as Bochs and QEMU report it). Run alone
	 * as variant 1 (see tests/test_board_guests.c). */
straddle:
	movl	$0, REC_COUNT
	movl	$1f, REC_RESUME
	movl	0x305ffe, %eax
1:	movl	REC_CR2, %eax
	movl	%eax, RES + 8
	CHECKL	$1, REC_COUNT, 14
	CHECKL	$0, REC_ERR, 14
	CHECKL	$0x306000, REC_CR2, 14
	PASS32	"paging straddle ok"

r3_faults:
	RING3_ENTRY
	movl	$1f, REC_RESUME
	movl	0x310000, %eax
1:	movl	REC_ERR, %eax
	movl	%eax, RES + 0x40
	movl	REC_CR2, %eax
	movl	%eax, RES + 0x44
	movl	$1f, REC_RESUME
	movl	$1, 0x311000
1:	movl	REC_ERR, %eax
	movl	%eax, RES + 0x48
	movl	REC_CR2, %eax
	movl	%eax, RES + 0x4c
	movl	$1f, REC_RESUME
	movl	$1, 0x301010
1:	movl	REC_ERR, %eax
	movl	%eax, RES + 0x50
	movl	REC_CR2, %eax
	movl	%eax, RES + 0x54
	movl	$1f, REC_RESUME
	call	0x312000
1:	addl	$4, %esp
	movl	REC_ERR, %eax
	movl	%eax, RES + 0x58
	movl	REC_CR2, %eax
	movl	%eax, RES + 0x5c
	movl	0x311000, %eax
	movl	%eax, RES + 0x60
	int	$VEC_RING0

	KIT_CODE
	GDT_BEGIN
	GDT_END
