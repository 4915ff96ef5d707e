# debugger/fuzz.mk: libFuzzer targets for the monitor's expression parser and
# the gdb stub's packet layer. Built only when configured with
# --enable-fuzzing (CC=clang); FUZZ_CFLAGS and FUZZ_SECONDS come from
# replay/fuzz.mk. The targets compile the debugger sources they exercise with
# coverage; the rest of the emulator comes from liblockstep.a.
#   make fuzz-monitor-expr fuzz-gdb-packet [FUZZ_SECONDS=60]
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_monitor_expr tests/fuzz/fuzz_gdb_packet
tests_fuzz_fuzz_monitor_expr_SOURCES = tests/fuzz/fuzz_monitor_expr.c debugger/expr.c
tests_fuzz_fuzz_monitor_expr_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_monitor_expr_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_monitor_expr_LDADD =
tests_fuzz_fuzz_gdb_packet_SOURCES = tests/fuzz/fuzz_gdb_packet.c debugger/gdbstub.c \
	debugger/core.c debugger/expr.c debugger/disas.c
tests_fuzz_fuzz_gdb_packet_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_gdb_packet_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_gdb_packet_LDADD = $(LS_LIBS)

fuzz-monitor-expr: tests/fuzz/fuzz_monitor_expr
	rm -rf fuzz-corpus-monitor-expr && mkdir -p fuzz-corpus-monitor-expr
	cp $(srcdir)/tests/fuzz/corpus/monitor_expr/* fuzz-corpus-monitor-expr/
	./tests/fuzz/fuzz_monitor_expr -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
		fuzz-corpus-monitor-expr
fuzz-gdb-packet: tests/fuzz/fuzz_gdb_packet
	rm -rf fuzz-corpus-gdb-packet && mkdir -p fuzz-corpus-gdb-packet
	cp $(srcdir)/tests/fuzz/corpus/gdb_packet/* fuzz-corpus-gdb-packet/
	./tests/fuzz/fuzz_gdb_packet -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		fuzz-corpus-gdb-packet
else
fuzz-monitor-expr fuzz-gdb-packet:
	@echo "$@: configure with CC=clang --enable-fuzzing" >&2; exit 2
endif
.PHONY: fuzz-monitor-expr fuzz-gdb-packet
EXTRA_DIST += tests/fuzz/fuzz_monitor_expr.c tests/fuzz/fuzz_gdb_packet.c \
	tests/fuzz/corpus/monitor_expr tests/fuzz/corpus/gdb_packet
