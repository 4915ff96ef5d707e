# machine/fwcfg.mk: fw_cfg device, the pc machine's fw_cfg contents and ACPI
# tables. The DSDT is compiled from machine/dsdt.asl with iasl (Debian
# acpica-tools) into a C array in the build directory.
IASL ?= iasl

liblockstep_a_SOURCES += machine/fw_cfg.h machine/fw_cfg.c machine/fw_cfg_pc.c \
	machine/acpi_tables.h machine/acpi_tables.c
EXTRA_DIST += machine/dsdt.asl
BUILT_SOURCES += machine/dsdt_aml.h
CLEANFILES += machine/dsdt_aml.h machine/dsdt.aml machine/dsdt.log

machine/dsdt.aml: $(srcdir)/machine/dsdt.asl
	@mkdir -p machine
	$(AM_V_GEN)$(IASL) -vs -we -p machine/dsdt $(srcdir)/machine/dsdt.asl \
	  >machine/dsdt.log 2>&1 || { cat machine/dsdt.log >&2; rm -f $@; exit 1; }
# The AML as `static const unsigned char dsdt_aml[]` (od, no xxd needed).
machine/dsdt_aml.h: machine/dsdt.aml
	$(AM_V_GEN){ echo '/* Generated from machine/dsdt.asl by iasl: do not edit. */'; \
	  echo 'static const unsigned char dsdt_aml[] = {'; \
	  od -An -v -tx1 machine/dsdt.aml | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; } >$@.tmp && mv $@.tmp $@
machine/acpi_tables.$(OBJEXT): machine/dsdt_aml.h

check_PROGRAMS += tests/test_fw_cfg tests/test_acpi_tables
TESTS += tests/test_fw_cfg tests/test_acpi_tables
tests_test_fw_cfg_SOURCES = tests/test_fw_cfg.c
tests_test_fw_cfg_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_fw_cfg_LDADD = $(TEST_LDADD)
tests_test_acpi_tables_SOURCES = tests/test_acpi_tables.c
tests_test_acpi_tables_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_acpi_tables_LDADD = $(TEST_LDADD)
