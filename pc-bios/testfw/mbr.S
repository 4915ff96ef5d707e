/*
 * pc-bios/testfw/mbr.S: the test firmware's boot disk MBR. It needs nothing
 * from the firmware: it prints one line on the debug console (0x402) and
 * exits through isa-debug-exit (port 0xF4, value 0). -DMBR_ALT prints a
 * different line (a disk that differs, for diff's re-execution).
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	$msg, %si
	movw	$0x402, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	xorb	%al, %al
	outb	%al, $0xf4
3:	cli
	hlt
	jmp	3b
msg:
#ifdef MBR_ALT
	.asciz	"testfw mbr: other disk\n"
#else
	.asciz	"testfw mbr: ok\n"
#endif
	. = _start + 510
	.byte	0x55, 0xaa
