# mem/: see mem/mem.h for the module's public interface.
liblockstep_a_SOURCES += mem/mem.h mem/mem_internal.h mem/bulk_hash.h mem/bulk_hash.c mem/mem.c mem/flatview.c \
	mem/access.c mem/pam.c mem/rom.c mem/render.c mem/watch.c \
	mem/firmware.h mem/firmware.c

check_PROGRAMS += tests/test_mem
TESTS += tests/test_mem
tests_test_mem_SOURCES = tests/test_mem.c
tests_test_mem_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_mem_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test_mem_pam
TESTS += tests/test_mem_pam
tests_test_mem_pam_SOURCES = tests/test_mem_pam.c
tests_test_mem_pam_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_mem_pam_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/test_mem_rom
TESTS += tests/test_mem_rom
tests_test_mem_rom_SOURCES = tests/test_mem_rom.c
tests_test_mem_rom_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_mem_rom_LDADD = $(TEST_LDADD)
