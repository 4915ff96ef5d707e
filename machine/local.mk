# machine/: see machine/machine.h for the module's public interface.
liblockstep_a_SOURCES += machine/machine.h machine/config.h machine/config.c
liblockstep_a_SOURCES += machine/multiboot.h machine/multiboot.c
liblockstep_a_SOURCES += machine/chardev.h machine/chardev.c machine/debug_merge.h machine/debug_merge.c
liblockstep_a_SOURCES += machine/console.h machine/console.c
liblockstep_a_SOURCES += machine/lapic.h machine/lapic.c
liblockstep_a_SOURCES += machine/pc_internal.h machine/pc.c machine/run.c machine/hooks.c

check_PROGRAMS += tests/test_multiboot tests/test_chardev tests/test_debug_merge tests/test_machine tests/test_lapic tests/test_console
TESTS += tests/test_multiboot tests/test_chardev tests/test_debug_merge tests/test_machine tests/test_lapic tests/test_console
tests_test_console_SOURCES = tests/test_console.c
tests_test_console_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_console_LDADD = $(TEST_LDADD)
tests_test_lapic_SOURCES = tests/test_lapic.c
tests_test_lapic_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_lapic_LDADD = $(TEST_LDADD)
tests_test_machine_SOURCES = tests/test_machine.c tests/testutil.c tests/testutil.h
tests_test_machine_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_machine_LDADD = $(TEST_LDADD)
tests_test_debug_merge_SOURCES = tests/test_debug_merge.c tests/testutil.c tests/testutil.h
tests_test_debug_merge_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_debug_merge_LDADD = $(TEST_LDADD)
tests_test_chardev_SOURCES = tests/test_chardev.c tests/testutil.c tests/testutil.h
tests_test_chardev_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_chardev_LDADD = $(TEST_LDADD)
tests_test_multiboot_SOURCES = tests/test_multiboot.c
tests_test_multiboot_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_multiboot_LDADD = $(TEST_LDADD)
include machine/isa.mk
include machine/pci.mk
include machine/ide.mk
include machine/fwcfg.mk
