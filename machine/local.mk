# machine/: see machine/machine.h for the module's public interface.
liblockstep_a_SOURCES += machine/machine.h machine/config.h machine/config.c
liblockstep_a_SOURCES += machine/multiboot.h machine/multiboot.c

check_PROGRAMS += tests/test_multiboot
TESTS += tests/test_multiboot
tests_test_multiboot_SOURCES = tests/test_multiboot.c
tests_test_multiboot_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_multiboot_LDADD = $(TEST_LDADD)
include machine/fwcfg.mk
