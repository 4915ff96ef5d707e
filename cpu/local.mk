# cpu/: see cpu/cpu.h for the module's public interface.
liblockstep_a_SOURCES += cpu/cpu.h cpu/internal.h cpu/decode.h cpu/insn.def cpu/ops.h \
	cpu/ops_common.h cpu/table.c cpu/decode.c cpu/exec.c cpu/except.c cpu/flags.c \
	cpu/mmu.c cpu/seg.c cpu/stack.c cpu/far.c cpu/smm.c cpu/state.c \
	cpu/ops_alu.c cpu/ops_muldiv.c cpu/ops_shift.c cpu/ops_move.c cpu/ops_ctrl.c \
	cpu/ops_string.c cpu/ops_sys.c

# The MOO conformance runner (tests/conformance/README in ../shared).
noinst_PROGRAMS += tests/conformance/moo-run
tests_conformance_moo_run_SOURCES = tests/conformance/moo-run.c tests/conformance/moo.c \
	tests/conformance/moo.h
tests_conformance_moo_run_LDADD = $(LS_LIBS)
