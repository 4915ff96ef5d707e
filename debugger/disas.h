/*
 * debugger/disas.h: one instruction as Intel-syntax text, decoded by the
 * CPU's own decoder (cpu/decode.h) so the text matches what executes.
 */
#ifndef LS_DEBUGGER_DISAS_H
#define LS_DEBUGGER_DISAS_H

#include <stddef.h>
#include <stdint.h>

struct decoder;

/* Decode bytes[0..avail) at eip with the default operand size code32 and
 * write "hex bytes  mnemonic operands" to text. Returns the length, or 0
 * for an encoding that needs more bytes or is too long ("(bad)").
 * *steps_over (may be NULL) is set for CALL, INT n/INT3/INTO/INT1 and REP
 * string instructions: what `next` runs over. */
int dbg_format_insn(const struct decoder *dec, const uint8_t *bytes, int avail, uint32_t eip,
		    int code32, char *text, size_t len, int *steps_over);

#endif
