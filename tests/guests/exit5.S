/* tests/guests/exit5.S: writes 5 to isa-debug-exit; `run` must exit with 5. */
#include "common.h"
	MBR_START
	PUTS(msg)
	movb	$5, %al
	outb	%al, $0xf4
	cli
	hlt
	PUTS_FUNC
msg:	.asciz	"exit5: writing 5 to port 0xf4\n"
	MBR_END
