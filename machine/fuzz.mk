# machine/fuzz.mk: libFuzzer target for the multiboot/ELF kernel parser.
# Built only with --enable-fuzzing (CC=clang); FUZZ_CFLAGS and FUZZ_SECONDS
# come from replay/fuzz.mk.   make fuzz-multiboot [FUZZ_SECONDS=60]
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_multiboot
tests_fuzz_fuzz_multiboot_SOURCES = tests/fuzz/fuzz_multiboot.c machine/multiboot.c
tests_fuzz_fuzz_multiboot_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_multiboot_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_multiboot_LDADD =
fuzz-multiboot: tests/fuzz/fuzz_multiboot
	rm -rf fuzz-corpus-multiboot && mkdir -p fuzz-corpus-multiboot
	cp $(srcdir)/tests/fuzz/corpus/multiboot/* fuzz-corpus-multiboot/
	./tests/fuzz/fuzz_multiboot -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		fuzz-corpus-multiboot
else
fuzz-multiboot:
	@echo "$@: configure with CC=clang --enable-fuzzing" >&2; exit 2
endif
.PHONY: fuzz-multiboot
EXTRA_DIST += tests/fuzz/fuzz_multiboot.c tests/fuzz/corpus/multiboot

# The snapshot loader (machine/state.c, with the checksum bypass of
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) and the MOO parser.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_snapshot tests/fuzz/fuzz_moo
tests_fuzz_fuzz_snapshot_SOURCES = tests/fuzz/fuzz_snapshot.c machine/state.c machine/state_io.c
tests_fuzz_fuzz_snapshot_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_snapshot_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_snapshot_LDADD = $(LS_LIBS)
tests_fuzz_fuzz_moo_SOURCES = tests/fuzz/fuzz_moo.c tests/conformance/moo.c
tests_fuzz_fuzz_moo_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_moo_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_moo_LDADD =
fuzz-snapshot: tests/fuzz/fuzz_snapshot
	rm -rf fuzz-corpus-snapshot && mkdir -p fuzz-corpus-snapshot
	cp $(srcdir)/tests/fuzz/corpus/snapshot/* fuzz-corpus-snapshot/
	./tests/fuzz/fuzz_snapshot -max_total_time=$(FUZZ_SECONDS) -max_len=131072 \
		fuzz-corpus-snapshot
fuzz-moo: tests/fuzz/fuzz_moo
	rm -rf fuzz-corpus-moo && mkdir -p fuzz-corpus-moo
	cp $(srcdir)/tests/fuzz/corpus/moo/* fuzz-corpus-moo/
	./tests/fuzz/fuzz_moo -max_total_time=$(FUZZ_SECONDS) -max_len=8192 fuzz-corpus-moo
else
fuzz-snapshot fuzz-moo:
	@echo "$@: configure with CC=clang --enable-fuzzing" >&2; exit 2
endif
.PHONY: fuzz-snapshot fuzz-moo
EXTRA_DIST += tests/fuzz/fuzz_snapshot.c tests/fuzz/fuzz_moo.c tests/fuzz/corpus/snapshot \
	tests/fuzz/corpus/moo
