# replay/: trace format, recorder, replayer, checkpoints and hashes.
# See replay/replay.h for the module's public interface.
liblockstep_a_SOURCES += replay/replay.h \
	replay/varint.c replay/varint.h \
	replay/bytebuf.c replay/bytebuf.h \
	replay/event.c replay/event.h \
	replay/chain.c replay/chain.h \
	replay/trace_format.c replay/trace_format.h \
	replay/trace_writer.c replay/trace_writer.h \
	replay/trace_pipe.c replay/trace_pipe.h \
	replay/trace_reader.c replay/trace_reader.h \
	replay/trace_print.c replay/trace_print.h \
	replay/trace_synth.c replay/trace_synth.h \
	replay/trace_cli.c replay/trace_cli.h

# Machine state for checkpoints and snapshots, and mem/'s dirty-page tracking
# (registered here: they exist for replay).
liblockstep_a_SOURCES += machine/state_io.c machine/state_io.h \
	machine/state.c machine/state.h mem/ram_hash.c

# Recording and replay.
liblockstep_a_SOURCES += replay/observer.c replay/observer.h \
	replay/input_script.c replay/input_script.h \
	replay/trace_config.c replay/trace_config.h \
	replay/keyframes.c replay/keyframes.h \
	replay/recorder.c replay/recorder.h \
	replay/replayer.c replay/replayer.h replay/replayer_internal.h \
	replay/session.c replay/replay_cli.c

# Tests of the trace format.
check_PROGRAMS += tests/test_trace_varint tests/test_trace_rw tests/test_trace_errors \
	tests/test_trace_cli
TESTS += tests/test_trace_varint tests/test_trace_rw tests/test_trace_errors \
	tests/test_trace_cli
tests_test_trace_varint_SOURCES = tests/test_trace_varint.c
tests_test_trace_varint_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_trace_varint_LDADD = $(TEST_LDADD)
tests_test_trace_rw_SOURCES = tests/test_trace_rw.c tests/testutil.c tests/testutil.h
tests_test_trace_rw_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_trace_rw_LDADD = $(TEST_LDADD)
tests_test_trace_errors_SOURCES = tests/test_trace_errors.c tests/testutil.c tests/testutil.h
tests_test_trace_errors_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_trace_errors_LDADD = $(TEST_LDADD)
tests_test_trace_cli_SOURCES = tests/test_trace_cli.c tests/testutil.c tests/testutil.h
tests_test_trace_cli_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_trace_cli_LDADD = $(TEST_LDADD)
# Format 2's events, and replay of checked-in format-1 traces.
check_PROGRAMS += tests/test_trace_v2
TESTS += tests/test_trace_v2
tests_test_trace_v2_SOURCES = tests/test_trace_v2.c tests/testutil.c tests/testutil.h
tests_test_trace_v2_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_trace_v2_LDADD = $(TEST_LDADD)

# libFuzzer target and seeds (replay/fuzz.mk is included from Makefile.am when
# configure knows --enable-fuzzing).
EXTRA_DIST += replay/fuzz.mk tests/fuzz tests/data/traces

# A private driver for recording and replay until lockstep.c wires them in.
check_PROGRAMS += tests/replay_driver
tests_replay_driver_SOURCES = tests/replay_driver.c
tests_replay_driver_CPPFLAGS = $(AM_CPPFLAGS)
tests_replay_driver_LDADD = $(LS_LIBS)

# Machine state, recording and replay.
check_PROGRAMS += tests/test_state tests/test_replay
TESTS += tests/test_state tests/test_replay
tests_test_state_SOURCES = tests/test_state.c tests/testutil.c tests/testutil.h
tests_test_state_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_state_LDADD = $(TEST_LDADD)
tests_test_replay_SOURCES = tests/test_replay.c tests/testutil.c tests/testutil.h
tests_test_replay_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_replay_LDADD = $(TEST_LDADD)

# Comparing traces and firmware: diff, regress, bisect (docs/compare.md).
liblockstep_a_SOURCES += replay/semantic.c replay/semantic.h \
	replay/diff.c replay/diff.h replay/diff_pin.c replay/diff_cli.c \
	replay/regress.c replay/regress.h replay/bisect.c replay/bisect.h

# Tests of diff, regress and bisect (they boot pc-bios/testfw/, built by `all`).
check_PROGRAMS += tests/test_diff tests/test_regress tests/test_bisect
TESTS += tests/test_diff tests/test_regress tests/test_bisect
tests_test_diff_SOURCES = tests/test_diff.c tests/testutil.c tests/testutil.h
tests_test_diff_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_diff_LDADD = $(TEST_LDADD)
tests_test_regress_SOURCES = tests/test_regress.c tests/testutil.c tests/testutil.h
tests_test_regress_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_regress_LDADD = $(TEST_LDADD)
tests_test_bisect_SOURCES = tests/test_bisect.c tests/testutil.c tests/testutil.h
tests_test_bisect_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_bisect_LDADD = $(TEST_LDADD)
EXTRA_DIST += tests/data/golden
