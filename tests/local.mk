# tests/: Criterion unit tests. Each test_* program is one module's suite.
# LS_TEST_DIRS lets tests find the built tool and images, and ../shared.
TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CRITERION_CFLAGS) \
	-DLS_ABS_BUILDDIR='"$(abs_top_builddir)"' -DLS_ABS_SRCDIR='"$(abs_top_srcdir)"'
TEST_LDADD = $(LS_LIBS) $(CRITERION_LIBS)

check_PROGRAMS += tests/test_cli tests/test_config tests/test_demo_disk tests/test_boot
tests_test_boot_SOURCES = tests/test_boot.c tests/testutil.c tests/testutil.h
tests_test_boot_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_boot_LDADD = $(TEST_LDADD)
tests_test_cli_SOURCES = tests/test_cli.c tests/testutil.c tests/testutil.h
tests_test_cli_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cli_LDADD = $(TEST_LDADD)
tests_test_config_SOURCES = tests/test_config.c
tests_test_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_config_LDADD = $(TEST_LDADD)
tests_test_demo_disk_SOURCES = tests/test_demo_disk.c tests/testutil.c tests/testutil.h
tests_test_demo_disk_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_demo_disk_LDADD = $(TEST_LDADD)

TESTS += tests/test_cli tests/test_config tests/test_demo_disk tests/test_boot
# Criterion runs each test in a forked child; keep its output in the .log files.
AM_TESTS_ENVIRONMENT = CRITERION_NO_EARLY_EXIT=1; export CRITERION_NO_EARLY_EXIT;
EXTRA_DIST += tests/summarize tests/lsan.supp tests/fake_clock.h

# Test guests: MBRs assembled from tests/guests/*.S into 1 MiB disk images.
TEST_GUESTS = tests/guests/exit5.img tests/guests/dead.img tests/guests/reset.img \
	tests/guests/sleep.img
check_DATA = $(TEST_GUESTS)
CLEANFILES += $(TEST_GUESTS) tests/guests/*.o tests/guests/*.bin
EXTRA_DIST += tests/guests/common.h tests/guests/exit5.S tests/guests/dead.S tests/guests/reset.S \
	tests/guests/sleep.S
tests/guests/%.o: $(srcdir)/tests/guests/%.S $(srcdir)/tests/guests/common.h
	@mkdir -p tests/guests
	$(AM_V_GEN)$(GUEST_AS) -I$(srcdir)/tests/guests -o $@ $<
tests/guests/%.bin: tests/guests/%.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0x7c00 --oformat binary -o $@ $<
tests/guests/%.img: tests/guests/%.bin
	$(AM_V_GEN)test `stat -c %s $<` -eq 512 || { echo "$<: MBR is not 512 bytes" >&2; exit 1; }; \
	  cp $< $@.tmp && truncate -s 1M $@.tmp && mv $@.tmp $@

# Test firmware whose shadow-done and mbr milestones come at interrupt
# deliveries (tests/guests/fw_irq.S), and its variant where IRQ1 is vector
# 0x19 itself. 64 KiB ROM images for --bios.
FW_IRQ_ROMS = tests/guests/fw_irq.rom tests/guests/fw_irq-hard19.rom
check_DATA += $(FW_IRQ_ROMS)
CLEANFILES += $(FW_IRQ_ROMS)
EXTRA_DIST += tests/guests/fw_irq.S
tests/guests/fw_irq-hard19.o: $(srcdir)/tests/guests/fw_irq.S
	@mkdir -p tests/guests
	$(AM_V_GEN)$(GUEST_AS) -DVARIANT_HARD19 -o $@ $<
tests/guests/%.rom: tests/guests/%.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0 --oformat binary -o $@.tmp $< && \
	  { test `stat -c %s $@.tmp` -eq 65536 || { echo "$@: not 64 KiB" >&2; rm -f $@.tmp; exit 1; }; } && \
	  mv $@.tmp $@

# A multiboot ELF kernel for --kernel (loaded at 1 MiB).
check_DATA += tests/guests/mbkernel.elf
CLEANFILES += tests/guests/mbkernel.elf
EXTRA_DIST += tests/guests/mbkernel.S
tests/guests/mbkernel.elf: tests/guests/mbkernel.o
	$(AM_V_GEN)$(GUEST_LD) -N --no-warn-rwx-segments -Ttext 0x100000 -e _start -o $@ $<

# The minimal test board (tests/board/): flat RAM, debug and exit ports, a
# one-shot timer; runs raw guest binaries in real or flat protected mode.
noinst_PROGRAMS += tests/board/testboard
tests_board_testboard_SOURCES = tests/board/testboard.c tests/board/board.c tests/board/board.h
tests_board_testboard_LDADD = $(LS_LIBS)
check_PROGRAMS += tests/test_board
TESTS += tests/test_board
tests_test_board_SOURCES = tests/test_board.c tests/board/board.c tests/board/board.h \
	tests/testutil.c tests/testutil.h
tests_test_board_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_board_LDADD = $(TEST_LDADD)
check_DATA += tests/board/benchstub.bin tests/guests/board_rep_irq.bin
CLEANFILES += tests/board/benchstub.bin tests/board/benchstub.o
EXTRA_DIST += tests/board/benchstub.S tests/guests/board_rep_irq.S
tests/board/benchstub.o: $(srcdir)/tests/board/benchstub.S
	@mkdir -p tests/board
	$(AM_V_GEN)$(GUEST_AS) -o $@ $<
tests/board/benchstub.bin: tests/board/benchstub.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0x8000 --oformat binary -o $@ $<
# Board guests are raw binaries linked at 0x1000 (real mode, 0:1000).
tests/guests/board_%.bin: tests/guests/board_%.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0x1000 --oformat binary -o $@ $<

# CPU guests on the test board (tests/guests/board_*.S, shared kit in
# tests/guests/board_kit.h), run by tests/test_board_guests.c.
BOARD_CPU_GUESTS = tests/guests/board_smc.bin tests/guests/board_fault.bin \
	tests/guests/board_paging.bin tests/guests/board_pmentry.bin tests/guests/board_gates.bin \
	tests/guests/board_v86.bin tests/guests/board_task.bin
check_PROGRAMS += tests/test_board_guests
TESTS += tests/test_board_guests
tests_test_board_guests_SOURCES = tests/test_board_guests.c tests/board/board.c \
	tests/board/board.h tests/testutil.c tests/testutil.h
tests_test_board_guests_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_board_guests_LDADD = $(TEST_LDADD)
check_DATA += $(BOARD_CPU_GUESTS)
EXTRA_DIST += tests/guests/board_kit.h $(BOARD_CPU_GUESTS:.bin=.S)
$(BOARD_CPU_GUESTS:.bin=.o): $(srcdir)/tests/guests/board_kit.h
