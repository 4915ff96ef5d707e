/*
 * tests/board/benchstub.S: runs the shared bench payload on the test board.
 * Entered in flat 32-bit protected mode at 0x8000 with the payload loaded at
 * 0x10000; calls it, prints "BENCH DONE xxxxxxxx" on port 0x402 and exits
 * through port 0xF4 with 0 (what the bench disk's MBR does after INT 13h).
 */
	.code32
	.text
	.globl _start
_start:
	movl	$0x90000, %esp
	movl	$0x10000, %eax
	call	*%eax
	movl	%eax, %ebx
	movl	$msg, %esi
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	movl	$8, %ecx
3:	roll	$4, %ebx
	movb	%bl, %al
	andb	$0xf, %al
	addb	$'0', %al
	cmpb	$'9', %al
	jbe	4f
	addb	$('a' - '9' - 1), %al
4:	call	putc
	loop	3b
	movb	$'\n', %al
	call	putc
	xorb	%al, %al
	outb	%al, $0xf4
	cli
	hlt

putc:
	movw	$0x402, %dx
	outb	%al, %dx
	ret

msg:
	.asciz	"BENCH DONE "
