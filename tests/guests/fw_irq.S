/*
 * tests/guests/fw_irq.S: a 64 KiB test firmware whose shadow-done and mbr
 * milestones (docs/trace-format.md §5) are both reached by a hardware
 * interrupt delivery and by no instruction: the machine has to look at the
 * next instruction after a delivery, not only after one retires
 * (machine/hooks.c). Run by tests/test_machine.c.
 *
 * It runs at the reset alias (CS.base 0xFFFF0000, near jumps only), so none
 * of its own instructions comes from 0xC0000-0xFFFFF. It copies two pieces
 * of itself to low RAM, opens the F segment through PAM0 (82441FX datasheet
 * §3.2: writes, then reads too, go to shadow RAM), copies itself there, and
 * halts. IRQ0 (the PIT, 8254 mode 0) enters the shadow copy at F000:shadow_irq0,
 * whose first instruction jumps to low RAM: shadow-done is that delivery.
 * The low-RAM code then lets the 8042 raise IRQ1 (command D2h: a byte in its
 * output buffer as if from the keyboard), whose vector points at 0:7C00: the
 * MBR is that delivery. The code at 0:7C00 exits through port 0xF4.
 *
 *   default  INT 19h first (a software INT: int19), so IRQ1 (vector 0x09)
 *            completes the mbr condition
 *   HARD19   the 8259 vector base is 0x18: IRQ1 is vector 0x19 itself, so
 *            one delivery is both int19 and the jump to 0:7C00
 *
 * Assembled with gcc -m32 -x assembler-with-cpp, linked at 0 as a flat binary.
 */
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PAM0_ADDR 0x80000058    /* bus 0, dev 0, fn 0, dword 0x58; 0x59 is byte 1 */
#define PAM_WRITE_RAM 0x20      /* F segment: reads ROM, writes shadow RAM */
#define PAM_RAM 0x30            /* F segment: reads and writes shadow RAM */

#ifdef VARIANT_HARD19
#define PIC_BASE 0x18
#else
#define PIC_BASE 0x08
#endif
#define VEC_IRQ0 PIC_BASE
#define VEC_IRQ1 (PIC_BASE + 1)

/* low_code runs at LOW_SEG:low_code, i.e. its ROM offsets + 0x1000. */
#define LOW_SEG 0x0100
#define LOW_START 0x800
#define LOW_END 0xa00
#define MBR_START 0xa00

	.code16
	.text
	.globl _start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$0x7000, %sp

	/* 8259 master: edge triggered, vectors PIC_BASE.., only IRQ0. */
	movb	$0x11, %al
	outb	%al, $0x20
	movb	$PIC_BASE, %al
	outb	%al, $0x21
	movb	$0x04, %al
	outb	%al, $0x21
	movb	$0x01, %al
	outb	%al, $0x21
	movb	$0xfe, %al
	outb	%al, $0x21

	/* low_code to LOW_SEG:LOW_START, mbr_code to 0:7C00 (PAM0 is 0:
	 * F000 reads the ROM). */
	movw	$0xf000, %ax
	movw	%ax, %ds
	movw	$LOW_SEG, %ax
	movw	%ax, %es
	movw	$LOW_START, %si
	movw	%si, %di
	movw	$LOW_END - LOW_START, %cx
	rep movsb
	xorw	%ax, %ax
	movw	%ax, %es
	movw	$MBR_START, %si
	movw	$0x7c00, %di
	movw	$mbr_end - mbr_code, %cx
	rep movsb

	/* IRQ0 -> the shadow copy of shadow_irq0. */
	movw	$shadow_irq0, %es:(VEC_IRQ0 * 4)
	movw	$0xf000, %es:(VEC_IRQ0 * 4 + 2)

	/* pam-unlock; copy the first 4 KiB into shadow RAM; read it from
	 * there. We still run at 0xFFFFxxxx, so nothing is fetched from it. */
	movb	$PAM_WRITE_RAM, %bl
	call	pam0_write
	movw	$0xf000, %ax
	movw	%ax, %es
	xorw	%si, %si
	xorw	%di, %di
	movw	$0x800, %cx
	rep movsw
	movb	$PAM_RAM, %bl
	call	pam0_write

	/* PIT channel 0, mode 0, count 16: one IRQ0 edge. */
	movb	$0x30, %al
	outb	%al, $0x43
	movb	$16, %al
	outb	%al, $0x40
	xorb	%al, %al
	outb	%al, $0x40
	sti
	hlt
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

/* Entered only in shadow RAM, by IRQ0; leaves it at once. */
shadow_irq0:
	ljmp	$LOW_SEG, $low_code

	/* Runs at LOW_SEG:LOW_START.. in low RAM, interrupts off. */
	. = LOW_START
low_code:
	movb	$0x20, %al          /* EOI */
	outb	%al, $0x20
	movb	$0xfd, %al          /* only IRQ1 */
	outb	%al, $0x21
	xorw	%ax, %ax
	movw	%ax, %es
	movw	$0x7c00, %es:(VEC_IRQ1 * 4)
	movw	$0, %es:(VEC_IRQ1 * 4 + 2)
#ifndef VARIANT_HARD19
	movw	$after_int19, %es:(0x19 * 4)
	movw	$LOW_SEG, %es:(0x19 * 4 + 2)
	int	$0x19
after_int19:
#endif
	/* 8042: IRQ1 on, keyboard interface on, no translation; then a byte
	 * in the output buffer. */
	movb	$0x60, %al
	outb	%al, $0x64
	movb	$0x01, %al
	outb	%al, $0x60
	movb	$0xd2, %al
	outb	%al, $0x64
	movb	$0x42, %al
	outb	%al, $0x60
	sti
	hlt
1:	cli
	hlt
	jmp	1b

	/* Copied to 0:7C00 and entered only by IRQ1: exit 0. */
	. = MBR_START
mbr_code:
	xorb	%al, %al
	outb	%al, $0xf4
	cli
	hlt
mbr_end:

	/* The reset vector, 16 bytes below the end: a near jump keeps
	 * CS.base at 0xFFFF0000. */
	. = 0xfff0
	jmp	_start
	. = 0x10000
