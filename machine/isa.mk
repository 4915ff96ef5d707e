# machine/isa.mk: the virtual clock and the ISA/chipset devices (docs/devices.md).
liblockstep_a_SOURCES += machine/clock.h machine/clock.c machine/isa_dev.h

check_PROGRAMS += tests/test_clock
TESTS += tests/test_clock
tests_test_clock_SOURCES = tests/test_clock.c
tests_test_clock_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_clock_LDADD = $(TEST_LDADD)

liblockstep_a_SOURCES += machine/pic.h machine/pic.c
check_PROGRAMS += tests/test_pic
TESTS += tests/test_pic
tests_test_pic_SOURCES = tests/test_pic.c
tests_test_pic_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_pic_LDADD = $(TEST_LDADD)

liblockstep_a_SOURCES += machine/pit.h machine/pit.c
check_PROGRAMS += tests/test_pit
TESTS += tests/test_pit
tests_test_pit_SOURCES = tests/test_pit.c
tests_test_pit_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_pit_LDADD = $(TEST_LDADD)

liblockstep_a_SOURCES += machine/isa_misc.h machine/isa_misc.c \
	machine/isa_dma.h machine/isa_dma.c
check_PROGRAMS += tests/test_isa_misc
TESTS += tests/test_isa_misc
tests_test_isa_misc_SOURCES = tests/test_isa_misc.c
tests_test_isa_misc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_isa_misc_LDADD = $(TEST_LDADD)

liblockstep_a_SOURCES += machine/rtc.h machine/rtc.c
check_PROGRAMS += tests/test_rtc
TESTS += tests/test_rtc
tests_test_rtc_SOURCES = tests/test_rtc.c
tests_test_rtc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_rtc_LDADD = $(TEST_LDADD)

liblockstep_a_SOURCES += machine/uart.h machine/uart.c
check_PROGRAMS += tests/test_uart
TESTS += tests/test_uart
tests_test_uart_SOURCES = tests/test_uart.c
tests_test_uart_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_uart_LDADD = $(TEST_LDADD)

liblockstep_a_SOURCES += machine/i8042.h machine/i8042.c
check_PROGRAMS += tests/test_i8042
TESTS += tests/test_i8042
tests_test_i8042_SOURCES = tests/test_i8042.c
tests_test_i8042_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_i8042_LDADD = $(TEST_LDADD)
