/*
 * tests/guests/reset.S: a hard reset through port 0xCF9 on the first boot,
 * then an exit on the second. CMOS survives a system reset (DESIGN.md §5),
 * so the boot count lives in CMOS byte 0x4F, which QEMU's pc layout leaves
 * unused. A guest that sees the reset go through a full second POST prints
 * "reset: second boot" and exits with 0.
 */
#include "common.h"
#define CMOS_SCRATCH 0x4f
	MBR_START
	movb	$CMOS_SCRATCH, %al
	outb	%al, $0x70
	inb	$0x71, %al
	cmpb	$0xa5, %al
	je	second
	/* First boot: mark, then reset (0xCF9: SRST|RCPU = hard reset). */
	movb	$CMOS_SCRATCH, %al
	outb	%al, $0x70
	movb	$0xa5, %al
	outb	%al, $0x71
	PUTS(first)
	movw	$0xcf9, %dx
	movb	$0x02, %al
	outb	%al, %dx
	movb	$0x06, %al
	outb	%al, %dx
	cli
	hlt
second:
	movb	$CMOS_SCRATCH, %al
	outb	%al, $0x70
	xorb	%al, %al
	outb	%al, $0x71
	PUTS(again)
	xorb	%al, %al
	outb	%al, $0xf4
	cli
	hlt
	PUTS_FUNC
first:	.asciz	"reset: first boot, resetting through 0xcf9\n"
again:	.asciz	"reset: second boot\n"
	MBR_END
