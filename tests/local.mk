# tests/: Criterion unit tests. Each test_* program is one module's suite.
# LS_TEST_DIRS lets tests find the built tool and images, and ../shared.
TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CRITERION_CFLAGS) \
	-DLS_ABS_BUILDDIR='"$(abs_top_builddir)"' -DLS_ABS_SRCDIR='"$(abs_top_srcdir)"'
TEST_LDADD = $(LS_LIBS) $(CRITERION_LIBS)

check_PROGRAMS += tests/test_cli tests/test_config tests/test_demo_disk
tests_test_cli_SOURCES = tests/test_cli.c tests/testutil.c tests/testutil.h
tests_test_cli_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cli_LDADD = $(TEST_LDADD)
tests_test_config_SOURCES = tests/test_config.c
tests_test_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_config_LDADD = $(TEST_LDADD)
tests_test_demo_disk_SOURCES = tests/test_demo_disk.c tests/testutil.c tests/testutil.h
tests_test_demo_disk_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_demo_disk_LDADD = $(TEST_LDADD)

TESTS += tests/test_cli tests/test_config tests/test_demo_disk
# Criterion runs each test in a forked child; keep its output in the .log files.
AM_TESTS_ENVIRONMENT = CRITERION_NO_EARLY_EXIT=1; export CRITERION_NO_EARLY_EXIT;
EXTRA_DIST += tests/summarize
