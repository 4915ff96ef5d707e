# replay/fuzz.mk: libFuzzer targets for the trace format. Built only when
# configured with --enable-fuzzing (CC=clang). The target compiles the reader
# sources itself with coverage and sanitizers, and with the libFuzzer
# convention FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which makes checksums
# always match so the fuzzer reaches the decoders behind them.
#   make fuzz-trace-reader [FUZZ_SECONDS=60]
if ENABLE_FUZZING
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
noinst_PROGRAMS += tests/fuzz/fuzz_trace_reader
tests_fuzz_fuzz_trace_reader_SOURCES = tests/fuzz/fuzz_trace_reader.c \
	replay/trace_reader.c replay/trace_format.c replay/event.c replay/chain.c \
	replay/varint.c replay/bytebuf.c replay/trace_print.c
tests_fuzz_fuzz_trace_reader_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_trace_reader_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_trace_reader_LDADD = $(ZSTD_LIBS) $(XXHASH_LIBS)

FUZZ_SECONDS = 60
# Runs on a scratch copy of the seed corpus, so the checked-in seeds stay tiny.
fuzz-trace-reader: tests/fuzz/fuzz_trace_reader
	rm -rf fuzz-corpus-trace-reader && mkdir -p fuzz-corpus-trace-reader
	cp $(srcdir)/tests/fuzz/corpus/trace_reader/* fuzz-corpus-trace-reader/
	./tests/fuzz/fuzz_trace_reader -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		fuzz-corpus-trace-reader
else
fuzz-trace-reader:
	@echo "fuzz-trace-reader: configure with CC=clang --enable-fuzzing" >&2; exit 2
endif
.PHONY: fuzz-trace-reader
