/* tests/guests/sleep.S: sleeps in HLT with interrupts on, forever. Idle time
 * costs no host time, so only the virtual-time cap ends the run (exit 3). */
#include "common.h"
	MBR_START
	PUTS(msg)
	sti
1:	hlt
	jmp	1b
	PUTS_FUNC
msg:	.asciz	"sleep: hlt forever\n"
	MBR_END
