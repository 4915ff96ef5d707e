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
