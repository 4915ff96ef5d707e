/*
 * pc-bios/testfw/testfw.S: a tiny 64 KiB test firmware for diff, regress and
 * bisect (docs/compare.md). It reaches every boot milestone of DESIGN.md §3
 * in a few thousand instructions: the reset vector jumps to real-mode code
 * that greets on the debug console (0x402), unlocks the F segment through
 * the i440FX PAM0 register (PCI config 0x59 of 00:00.0, 82441FX datasheet
 * §3.2), copies its first 4 KiB into shadow RAM, locks the segment again,
 * sets up an IVT (INT 10h: IRET; INT 19h: the loader), and issues INT 19h.
 * The loader reads sector 0 of the primary master through the ATA ports
 * (READ SECTORS, LBA 0, 256 words by INSW) to 0000:7C00 and jumps there.
 *
 * Variants, each one deliberate change (built with -DVARIANT_...):
 *   PAM     locks with PAM0 = 0x00 instead of 0x10
 *   PORT    writes 0x42 to POST port 0x80 after the lock
 *   DEBUG   greets with a different debug string
 *   NOLOCK  never locks the shadow copy (no pam-lock milestone)
 * Assembled with gcc -m32 -x assembler-with-cpp, linked at 0 as a flat binary.
 */
#define DEBUG_PORT 0x402
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PAM0_ADDR 0x80000058    /* bus 0, dev 0, fn 0, dword 0x58; 0x59 is byte 1 */

#define PAM_UNLOCK 0x20         /* F segment: reads ROM, writes shadow RAM */
#ifdef VARIANT_PAM
#define PAM_LOCK 0x00           /* reads and writes ROM again */
#else
#define PAM_LOCK 0x10           /* reads shadow RAM, writes dropped */
#endif

	.code16
	.text
	.globl _start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$0xf000, %ax
	movw	%ax, %ds

	movw	$hello, %si
	call	puts

	/* Unlock: PAM0 <- PAM_UNLOCK. */
	movb	$PAM_UNLOCK, %bl
	call	pam0_write

	/* Copy the first 4 KiB (all the code) from ROM into shadow RAM. */
	movw	$0xf000, %ax
	movw	%ax, %es
	xorw	%si, %si
	xorw	%di, %di
	movw	$0x800, %cx
	rep movsw

#ifndef VARIANT_NOLOCK
	movb	$PAM_LOCK, %bl
	call	pam0_write
#endif
#ifdef VARIANT_PORT
	movb	$0x42, %al
	outb	%al, $0x80
#endif

	/* IVT: INT 10h -> iret_handler, INT 19h -> int19_handler. */
	xorw	%ax, %ax
	movw	%ax, %es
	movw	$iret_handler, %es:(0x10 * 4)
	movw	$0xf000, %es:(0x10 * 4 + 2)
	movw	$int19_handler, %es:(0x19 * 4)
	movw	$0xf000, %es:(0x19 * 4 + 2)

	movw	$booting, %si
	call	puts
	int	$0x19
	/* not reached */
dead:
	cli
	hlt
	jmp	dead

/* PAM0 <- %bl through PCI configuration mechanism #1. */
pam0_write:
	movl	$PAM0_ADDR, %eax
	movw	$PCI_ADDR, %dx
	outl	%eax, %dx
	movw	$PCI_DATA + 1, %dx
	movb	%bl, %al
	outb	%al, %dx
	ret

/* Print the NUL-terminated string at DS:SI on the debug console. */
puts:
	movw	$DEBUG_PORT, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	ret

iret_handler:
	iret

/* INT 19h: read sector 0 of the primary master to 0000:7C00 and jump to it. */
int19_handler:
	movw	$0x1f6, %dx
	movb	$0xe0, %al          /* master, LBA, LBA[27:24] = 0 */
	outb	%al, %dx
	movw	$0x1f2, %dx
	movb	$1, %al             /* one sector */
	outb	%al, %dx
	xorb	%al, %al
	movw	$0x1f3, %dx
	outb	%al, %dx
	incw	%dx
	outb	%al, %dx
	incw	%dx
	outb	%al, %dx
	movw	$0x1f7, %dx
	movb	$0x20, %al          /* READ SECTORS */
	outb	%al, %dx
3:	inb	%dx, %al            /* wait for BSY clear and DRQ set */
	testb	$0x80, %al
	jnz	3b
	testb	$0x08, %al
	jz	3b
	xorw	%ax, %ax
	movw	%ax, %es
	movw	$0x7c00, %di
	movw	$0x1f0, %dx
	movw	$256, %cx
	rep insw
	ljmp	$0, $0x7c00

hello:
#ifdef VARIANT_DEBUG
	.asciz	"testfw: hello, variant\n"
#else
	.asciz	"testfw: hello\n"
#endif
booting:
	.asciz	"testfw: int 19h\n"

	/* The reset vector, 16 bytes below the end of the 64 KiB image. */
	. = 0xfff0
	ljmp	$0xf000, $_start
	. = 0x10000
