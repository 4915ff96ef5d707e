/*
 * pc-bios/demo/mbr.S: the demo boot disk's MBR.
 *
 * Loaded by the BIOS at 0000:7C00 (int 0x19). It greets through INT 10h
 * teletype (what the user sees on the console) and through the debug console
 * on port 0x402 (which prints "MBR OK", as the reference machine's disk does),
 * waits a few timer ticks so the BIOS's serial console can send the screen,
 * then powers off through isa-debug-exit (port 0xF4, value 0) and, for Bochs,
 * through its shutdown port 0x8900. Assembled with `as --32`, linked at 0x7C00.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	sti

	/* INT 10h AH=0Eh teletype, one character at a time. */
	movw	$greeting, %si
1:	lodsb
	testb	%al, %al
	jz	2f
	movb	$0x0e, %ah
	movw	$0x0007, %bx
	int	$0x10
	jmp	1b

	/* The same success line on the debug console (0x402). */
2:	movw	$debugmsg, %si
	movw	$0x402, %dx
3:	lodsb
	testb	%al, %al
	jz	4f
	outb	%al, %dx
	jmp	3b

	/* Give SeaBIOS's serial console a few timer ticks to send the screen
	 * (it flushes from its timer handler); HLT costs no host time. */
4:	sti
	movw	$4, %cx
7:	hlt
	loop	7b

	/* Power off: isa-debug-exit with 0, then Bochs' "Shutdown" port. */
	xorb	%al, %al
	outb	%al, $0xf4
	movw	$0x8900, %dx
	movw	$shutdown, %si
5:	lodsb
	testb	%al, %al
	jz	6f
	outb	%al, %dx
	jmp	5b
6:	cli
	hlt
	jmp	6b

greeting:
	.asciz	"lockstep demo disk: hello from the MBR\r\n"
debugmsg:
	.asciz	"MBR OK\n"
shutdown:
	.asciz	"Shutdown"

	. = _start + 446
	/* One partition entry would go here; the disk is a plain boot image. */
	. = _start + 510
	.byte	0x55, 0xaa
