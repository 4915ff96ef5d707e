# cpu/: see cpu/cpu.h for the module's public interface.
liblockstep_a_SOURCES += cpu/cpu.h cpu/internal.h cpu/decode.h cpu/insn.def cpu/ops.h \
	cpu/ops_common.h cpu/table.c cpu/decode.c cpu/exec.c cpu/except.c cpu/flags.c \
	cpu/mmu.c cpu/seg.c cpu/stack.c cpu/far.c cpu/task.c cpu/smm.c cpu/state.c \
	cpu/ops_alu.c cpu/ops_muldiv.c cpu/ops_shift.c cpu/ops_move.c cpu/ops_ctrl.c \
	cpu/ops_string.c cpu/ops_sys.c cpu/disasm.h cpu/disasm.c

# The MOO conformance runner (tests/conformance/README in ../shared).
noinst_PROGRAMS += tests/conformance/moo-run
tests_conformance_moo_run_SOURCES = tests/conformance/moo-run.c tests/conformance/moo.c \
	tests/conformance/moo.h
tests_conformance_moo_run_LDADD = $(LS_LIBS)

check_PROGRAMS += tests/test_cpu
TESTS += tests/test_cpu
tests_test_cpu_SOURCES = tests/test_cpu.c tests/cpu_vm.h
tests_test_cpu_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cpu_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test_cpu_disasm
TESTS += tests/test_cpu_disasm
tests_test_cpu_disasm_SOURCES = tests/test_cpu_disasm.c
tests_test_cpu_disasm_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cpu_disasm_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test_cpu_pm
TESTS += tests/test_cpu_pm
tests_test_cpu_pm_SOURCES = tests/test_cpu_pm.c tests/cpu_vm.h tests/testutil.c tests/testutil.h
tests_test_cpu_pm_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cpu_pm_LDADD = $(TEST_LDADD)

TESTS += tests/conformance/run-80286.sh
EXTRA_DIST += tests/conformance/run-80286.sh

check_PROGRAMS += tests/test_cpu_moo
TESTS += tests/test_cpu_moo
tests_test_cpu_moo_SOURCES = tests/test_cpu_moo.c tests/conformance/moo.c tests/conformance/moo.h \
	tests/testutil.c tests/testutil.h
tests_test_cpu_moo_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cpu_moo_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test_cpu_blocks
TESTS += tests/test_cpu_blocks
tests_test_cpu_blocks_SOURCES = tests/test_cpu_blocks.c tests/cpu_vm.h
tests_test_cpu_blocks_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cpu_blocks_LDADD = $(TEST_LDADD)
