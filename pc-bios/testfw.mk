# pc-bios/testfw.mk: the test firmware of pc-bios/testfw/ (docs/compare.md):
# a 64 KiB ROM and its variants, each with one deliberate change, and two
# 64 KiB boot disks. Built with `all` (tests need them), not installed.
TESTFW_VARIANTS = pam port debug nolock
TESTFW_IMAGES = pc-bios/testfw/testfw.rom \
	$(TESTFW_VARIANTS:%=pc-bios/testfw/testfw-%.rom) \
	pc-bios/testfw/disk.img pc-bios/testfw/disk-alt.img
noinst_DATA = $(TESTFW_IMAGES)
CLEANFILES += $(TESTFW_IMAGES) pc-bios/testfw/*.o pc-bios/testfw/*.bin
EXTRA_DIST += pc-bios/testfw/testfw.S pc-bios/testfw/mbr.S

pc-bios/testfw/testfw.o: $(srcdir)/pc-bios/testfw/testfw.S
	@mkdir -p pc-bios/testfw
	$(AM_V_GEN)$(GUEST_AS) -o $@ $<
pc-bios/testfw/testfw-pam.o: $(srcdir)/pc-bios/testfw/testfw.S
	@mkdir -p pc-bios/testfw
	$(AM_V_GEN)$(GUEST_AS) -DVARIANT_PAM -o $@ $<
pc-bios/testfw/testfw-port.o: $(srcdir)/pc-bios/testfw/testfw.S
	@mkdir -p pc-bios/testfw
	$(AM_V_GEN)$(GUEST_AS) -DVARIANT_PORT -o $@ $<
pc-bios/testfw/testfw-debug.o: $(srcdir)/pc-bios/testfw/testfw.S
	@mkdir -p pc-bios/testfw
	$(AM_V_GEN)$(GUEST_AS) -DVARIANT_DEBUG -o $@ $<
pc-bios/testfw/testfw-nolock.o: $(srcdir)/pc-bios/testfw/testfw.S
	@mkdir -p pc-bios/testfw
	$(AM_V_GEN)$(GUEST_AS) -DVARIANT_NOLOCK -o $@ $<
# The image must be exactly 64 KiB (the reset vector is at offset 0xFFF0).
pc-bios/testfw/%.rom: pc-bios/testfw/%.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0 --oformat binary -o $@.tmp $< && \
	  { test `stat -c %s $@.tmp` -eq 65536 || { echo "$@: not 64 KiB" >&2; rm -f $@.tmp; exit 1; }; } && \
	  mv $@.tmp $@

pc-bios/testfw/mbr.o: $(srcdir)/pc-bios/testfw/mbr.S
	@mkdir -p pc-bios/testfw
	$(AM_V_GEN)$(GUEST_AS) -o $@ $<
pc-bios/testfw/mbr-alt.o: $(srcdir)/pc-bios/testfw/mbr.S
	@mkdir -p pc-bios/testfw
	$(AM_V_GEN)$(GUEST_AS) -DMBR_ALT -o $@ $<
pc-bios/testfw/mbr.bin: pc-bios/testfw/mbr.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0x7c00 --oformat binary -o $@ $<
pc-bios/testfw/mbr-alt.bin: pc-bios/testfw/mbr-alt.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0x7c00 --oformat binary -o $@ $<
# 64 KiB raw disks: the MBR, then zeros.
pc-bios/testfw/disk.img: pc-bios/testfw/mbr.bin
	$(AM_V_GEN)test `stat -c %s $<` -eq 512 || { echo "$<: MBR is not 512 bytes" >&2; exit 1; }; \
	  cp $< $@.tmp && truncate -s 64K $@.tmp && mv $@.tmp $@
pc-bios/testfw/disk-alt.img: pc-bios/testfw/mbr-alt.bin
	$(AM_V_GEN)test `stat -c %s $<` -eq 512 || { echo "$<: MBR is not 512 bytes" >&2; exit 1; }; \
	  cp $< $@.tmp && truncate -s 64K $@.tmp && mv $@.tmp $@
