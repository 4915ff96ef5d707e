# machine/ide.mk: the ATA (IDE) disks: raw images with a snapshot overlay
# (disk.c) and the legacy-port ATA channels (ide.c). See docs/ide.md.
liblockstep_a_SOURCES += machine/disk.h machine/disk.c machine/ide.h machine/ide.c

check_PROGRAMS += tests/test_disk tests/test_ide
TESTS += tests/test_disk tests/test_ide
tests_test_disk_SOURCES = tests/test_disk.c
tests_test_disk_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_disk_LDADD = $(TEST_LDADD)
tests_test_ide_SOURCES = tests/test_ide.c
tests_test_ide_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_ide_LDADD = $(TEST_LDADD)
