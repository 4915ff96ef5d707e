# pc-bios/: guest images built from source with the GNU toolchain (as --32, ld, objcopy).
# Installed into $(pkgdatadir), where the firmware search path finds them.

GUEST_AS = $(CC) -m32 -c -x assembler-with-cpp
GUEST_LD = $(LD_GUEST) -m elf_i386

pkgdata_DATA += pc-bios/demo.img
CLEANFILES += pc-bios/demo.img pc-bios/demo/mbr.o pc-bios/demo/mbr.bin
EXTRA_DIST += pc-bios/demo/mbr.S

pc-bios/demo/mbr.o: $(srcdir)/pc-bios/demo/mbr.S
	@mkdir -p pc-bios/demo
	$(AM_V_GEN)$(GUEST_AS) -o $@ $<
pc-bios/demo/mbr.bin: pc-bios/demo/mbr.o
	$(AM_V_GEN)$(GUEST_LD) -Ttext 0x7c00 --oformat binary -o $@ $<
# A 1 MiB raw disk: the MBR, then zeros.
pc-bios/demo.img: pc-bios/demo/mbr.bin
	$(AM_V_GEN)test `stat -c %s $<` -eq 512 || { echo "$<: MBR is not 512 bytes" >&2; exit 1; }; \
	  cp $< $@.tmp && truncate -s 1M $@.tmp && mv $@.tmp $@

all-local: pc-bios/demo.img
include pc-bios/testfw.mk
