/*
 * tests/guests/board_rep_irq.S: an interrupt taken in the middle of a REP
 * string instruction, on the test board (tests/board): real mode at 0:1000.
 * The one-shot timer (port 0x40, cycles) fires while `rep stosb` fills 60000
 * bytes; the handler saves CX, the REP then resumes where it stopped (SDM
 * Vol. 1 §7.3.9.2: REP is interruptible between iterations, with CX and DI
 * up to date) and must still fill every byte. Exit code 0 on success, else
 * the number of the check that failed. Prints "rep-irq ok" on 0xE9.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x0ff0, %sp
	movw	$handler, 0x80          /* IVT[0x20] = 0:handler */
	movw	$0, 0x82
	movw	$0x2000, %ax            /* ES = 0x2000: the buffer at 0x20000 */
	movw	%ax, %es
	movl	$500, %eax              /* the timer in 500 cycles */
	outl	%eax, $0x40
	sti
	cld
	xorw	%di, %di
	movw	$60000, %cx
	movb	$0xa5, %al
	rep stosb
	cli
	/* Check 1: the interrupt came during the REP (0 < CX then < 60000). */
	movb	$1, %bl
	movw	saved_cx, %ax
	testw	%ax, %ax
	jz	fail
	cmpw	$60000, %ax
	jae	fail
	/* Check 2: the REP finished: CX = 0, DI = 60000. */
	movb	$2, %bl
	testw	%cx, %cx
	jnz	fail
	cmpw	$60000, %di
	jne	fail
	/* Check 3: every byte is written, the first and the last included. */
	movb	$3, %bl
	cmpb	$0xa5, %es:0
	jne	fail
	cmpb	$0xa5, %es:59999
	jne	fail
	cmpb	$0, %es:60000
	jne	fail
	/* Check 4: the handler ran exactly once. */
	movb	$4, %bl
	cmpw	$1, hits
	jne	fail
	movw	$msg, %si
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, $0xe9
	jmp	1b
2:	xorb	%al, %al
	outb	%al, $0xf4
	hlt
fail:
	movb	%bl, %al
	outb	%al, $0xf4
	hlt

handler:
	movw	%cx, %cs:saved_cx
	incw	%cs:hits
	iret

saved_cx: .word 0
hits:	.word 0
msg:	.asciz	"rep-irq ok"
