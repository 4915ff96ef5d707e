/* tests/guests/dead.S: cli; hlt with nothing that can wake it: the run ends by
 * itself with exit status 3 (or stops with reason=until under --until halt). */
#include "common.h"
	MBR_START
	PUTS(msg)
	cli
	hlt
	jmp	.
	PUTS_FUNC
msg:	.asciz	"dead: cli; hlt\n"
	MBR_END
