/*
 * cpu/disasm.h: Intel-syntax disassembler for the monitor and traces,
 * driven by the same table (cpu/insn.def) and decoder as the CPU.
 */
#ifndef LS_CPU_DISASM_H
#define LS_CPU_DISASM_H

#include <stddef.h>
#include <stdint.h>

/* Disassemble the instruction at bytes[0..avail). code32 selects the default
 * operand and address size (CS.D); eip is the instruction's offset, used to
 * print branch targets. Writes NUL-terminated text to out (truncated to
 * outsz). Returns the instruction length, or 0 if avail is too short (out
 * then reads "(truncated)"). Undefined encodings print "(bad)" and return
 * their decoded length; longer than 15 bytes prints "(too long)". */
int cpu_disasm(const uint8_t *bytes, int avail, int code32, uint32_t eip, char *out, size_t outsz);

#endif
