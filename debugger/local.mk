# debugger/: see debugger/debugger.h for the module's public interface.
liblockstep_a_SOURCES += debugger/debugger.h debugger/expr.h debugger/expr.c \
	debugger/disas.h debugger/disas.c debugger/core.h debugger/core.c \
	debugger/reverse.c
# The monitor's view into struct machine lives in machine/ but belongs to the
# debugger's work (registered here to keep machine/local.mk untouched).
liblockstep_a_SOURCES += machine/info.h machine/info.c
liblockstep_a_SOURCES += debugger/monitor_internal.h debugger/monitor.c \
	debugger/monitor_run.c debugger/monitor_show.c debugger/gdbstub.h debugger/gdbstub.c

# Runs monitor_main on a SeaBIOS machine for the scripted tests.
check_PROGRAMS += tests/monitor_driver
tests_monitor_driver_SOURCES = tests/monitor_driver.c
tests_monitor_driver_CPPFLAGS = $(TEST_CPPFLAGS)
tests_monitor_driver_LDADD = $(LS_LIBS) $(READLINE_LIBS)

check_PROGRAMS += tests/test_monitor
TESTS += tests/test_monitor
tests_test_monitor_SOURCES = tests/test_monitor.c tests/testutil.c tests/testutil.h
tests_test_monitor_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_monitor_LDADD = $(TEST_LDADD)
EXTRA_DIST += tests/monitor

check_PROGRAMS += tests/test_gdbstub
TESTS += tests/test_gdbstub
tests_test_gdbstub_SOURCES = tests/test_gdbstub.c tests/testutil.c tests/testutil.h
tests_test_gdbstub_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_gdbstub_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test_monitor_expr
TESTS += tests/test_monitor_expr
tests_test_monitor_expr_SOURCES = tests/test_monitor_expr.c
tests_test_monitor_expr_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_monitor_expr_LDADD = $(TEST_LDADD)
