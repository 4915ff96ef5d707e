/*
 * tests/guests/mbkernel.S: a multiboot v1 ELF kernel for `run --kernel`.
 * Checks the entry state the spec promises (§3.2: EAX = 0x2BADB002, EBX = the
 * info structure, flat 32-bit protected mode), prints the info's memory size
 * on the debug console and COM1, and exits through port 0xF4: 0 when all is
 * well, 1 for a bad magic, 2 for missing memory information.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003
	.code32
	.text
	.globl _start
	.align 4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
_start:
	movl	$0x200000, %esp
	cmpl	$0x2BADB002, %eax
	movb	$1, %al
	jne	exit
	testl	$1, (%ebx)             /* flags bit 0: mem_lower/mem_upper valid */
	movb	$2, %al
	jz	exit
	movl	$okmsg, %esi
	call	puts
	movl	8(%ebx), %eax          /* mem_upper, KiB */
	call	putdec
	movl	$kbmsg, %esi
	call	puts
	xorb	%al, %al
exit:
	outb	%al, $0xf4
	cli
	hlt

/* puts: the NUL-terminated string at %esi to 0x402 and COM1. */
puts:
	lodsb
	testb	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

putc:
	movw	$0x402, %dx
	outb	%al, %dx
	movw	$0x3f8, %dx
	outb	%al, %dx
	ret

/* putdec: %eax in decimal. */
putdec:
	movl	$10, %ecx
	xorl	%edi, %edi
1:	xorl	%edx, %edx
	divl	%ecx
	pushl	%edx
	incl	%edi
	testl	%eax, %eax
	jnz	1b
2:	popl	%eax
	addb	$'0', %al
	call	putc
	decl	%edi
	jnz	2b
	ret

okmsg:	.asciz	"multiboot: magic ok, mem_upper="
kbmsg:	.asciz	" KiB\n"
