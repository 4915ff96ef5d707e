# machine/pci.mk: PCI bus, i440FX host bridge, PIIX3/PIIX4 functions, ACPI PM block.
liblockstep_a_SOURCES += machine/pci.h machine/pci.c machine/i440fx.h machine/i440fx.c \
	machine/piix.h machine/piix.c machine/acpi_pm.h machine/acpi_pm.c

check_PROGRAMS += tests/test_pci tests/test_i440fx tests/test_piix tests/test_acpi_pm
TESTS += tests/test_pci tests/test_i440fx tests/test_piix tests/test_acpi_pm
tests_test_pci_SOURCES = tests/test_pci.c
tests_test_pci_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_pci_LDADD = $(TEST_LDADD)
tests_test_i440fx_SOURCES = tests/test_i440fx.c
tests_test_i440fx_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_i440fx_LDADD = $(TEST_LDADD)
tests_test_piix_SOURCES = tests/test_piix.c
tests_test_piix_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_piix_LDADD = $(TEST_LDADD)
tests_test_acpi_pm_SOURCES = tests/test_acpi_pm.c
tests_test_acpi_pm_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_acpi_pm_LDADD = $(TEST_LDADD)
