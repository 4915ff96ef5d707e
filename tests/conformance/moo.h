/*
 * tests/conformance/moo.h: parser for MOO single-instruction CPU test files
 * (SingleStepTests format 1.x, /work/shared/conformance/README.md). The
 * parser works on a byte buffer, checks every length against the buffer and
 * rejects truncated or corrupt input with a message naming the offset.
 */
#ifndef LS_MOO_H
#define LS_MOO_H

#include <stddef.h>
#include <stdint.h>

#define MOO_MAX_REGS 20

/* Register file: REGS (16-bit, 14 registers) or RG32 (32-bit, 20). */
enum moo_reg16 { MOO_AX, MOO_BX, MOO_CX, MOO_DX, MOO_CS, MOO_SS, MOO_DS, MOO_ES,
		 MOO_SP, MOO_BP, MOO_SI, MOO_DI, MOO_IP, MOO_FLAGS, MOO_NREGS16 };
enum moo_reg32 { MOO32_CR0, MOO32_CR3, MOO32_EAX, MOO32_EBX, MOO32_ECX, MOO32_EDX,
		 MOO32_ESI, MOO32_EDI, MOO32_EBP, MOO32_ESP, MOO32_CS, MOO32_DS, MOO32_ES,
		 MOO32_FS, MOO32_GS, MOO32_SS, MOO32_EIP, MOO32_EFLAGS, MOO32_DR6, MOO32_DR7,
		 MOO_NREGS32 };

struct moo_regs {
	uint32_t present;          /* bit n: register n given */
	uint32_t v[MOO_MAX_REGS];
};

struct moo_ram {
	uint32_t addr;
	uint8_t value;
};

struct moo_state {
	struct moo_regs regs;
	int has_mask;
	struct moo_regs mask;      /* RMSK/RM32: bits that must match */
	struct moo_ram *ram;
	uint32_t nram;
};

struct moo_test {
	uint32_t index;
	char *name;                /* NUL-terminated disassembly */
	uint8_t *bytes;
	uint32_t nbytes;
	struct moo_state init, fina;
	int has_excp;
	uint8_t excp_vector;
	uint32_t excp_flags_addr;
};

struct moo_file {
	uint8_t major, minor;
	char cpu[5];
	int regs32;                /* 1 when the tests use RG32 */
	int has_mask;              /* file-wide RMSK/RM32 */
	struct moo_regs mask;
	uint32_t ntests;
	struct moo_test *tests;
};

/* Parse a whole MOO file held in buf[0..len). Returns 0 and fills *out
 * (free with moo_free), or -1 with a message in err (the file is rejected
 * as a whole; *out is left empty). */
int moo_parse(const uint8_t *buf, size_t len, struct moo_file *out, char *err, size_t errlen);
void moo_free(struct moo_file *f);

#endif
