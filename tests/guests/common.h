/* tests/guests/common.h: macros for the test MBRs (assembled with gcc -m32 -x assembler-with-cpp). */
#define DEBUG_PORT 0x402

/* Print the NUL-terminated string at label on the debug console. */
#define PUTS(label) \
	movw $label, %si; \
	call puts

/* Shared body: puts prints DS:SI on the debug console. */
#define PUTS_FUNC \
puts: \
	movw $DEBUG_PORT, %dx; \
1:	lodsb; \
	testb %al, %al; \
	jz 2f; \
	outb %al, %dx; \
	jmp 1b; \
2:	ret

#define MBR_START \
	.code16; \
	.text; \
	.globl _start; \
_start: \
	cli; \
	xorw %ax, %ax; \
	movw %ax, %ds; \
	movw %ax, %es; \
	movw %ax, %ss; \
	movw $0x7c00, %sp

#define MBR_END \
	. = _start + 510; \
	.byte 0x55, 0xaa
