/* tests/test_config.c: machine option parsing (machine/config.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/config.h"

Test(config, defaults)
{
	struct machine_config c;
	config_init(&c);
	cr_expect_eq(c.kind, MACHINE_PC);
	cr_expect_eq(c.ram_size, 128ull << 20);
	cr_expect_str_eq(c.serial, "stdio");
	cr_expect_str_eq(c.debugcon, "none");
	cr_expect_eq(c.rtc_start, 946684800);
}

Test(config, ram_sizes)
{
	char err[256];
	uint64_t v;
	cr_expect_eq(config_parse_ram("64", &v, err, sizeof(err)), 0);
	cr_expect_eq(v, 64ull << 20);
	cr_expect_eq(config_parse_ram("1M", &v, err, sizeof(err)), 0);
	cr_expect_eq(v, 1ull << 20);
	cr_expect_eq(config_parse_ram("2G", &v, err, sizeof(err)), 0);
	cr_expect_eq(v, 2ull << 30);
	cr_expect_eq(config_parse_ram("3584M", &v, err, sizeof(err)), 0);
	cr_expect_eq(config_parse_ram("2048K", &v, err, sizeof(err)), 0);
	cr_expect_eq(v, 2ull << 20);
	cr_expect_eq(config_parse_ram("512K", &v, err, sizeof(err)), -1);
	cr_expect_eq(config_parse_ram("4G", &v, err, sizeof(err)), -1);
	cr_expect(strstr(err, "3.5G"));
	cr_expect_eq(config_parse_ram("", &v, err, sizeof(err)), -1);
	cr_expect_eq(config_parse_ram("M", &v, err, sizeof(err)), -1);
	cr_expect_eq(config_parse_ram("12X", &v, err, sizeof(err)), -1);
	cr_expect_eq(config_parse_ram("-1", &v, err, sizeof(err)), -1);
}

Test(config, rtc)
{
	char err[256];
	int64_t t;
	cr_expect_eq(config_parse_rtc("2000-01-01T00:00:00", &t, err, sizeof(err)), 0);
	cr_expect_eq(t, 946684800);
	cr_expect_eq(config_parse_rtc("1970-01-01T00:00:00", &t, err, sizeof(err)), 0);
	cr_expect_eq(t, 0);
	cr_expect_eq(config_parse_rtc("2024-02-29T12:34:56", &t, err, sizeof(err)), 0);
	cr_expect_eq(t, 1709210096);
	cr_expect_eq(config_parse_rtc("2023-02-29T00:00:00", &t, err, sizeof(err)), -1);
	cr_expect_eq(config_parse_rtc("2000-01-01 00:00:00", &t, err, sizeof(err)), -1);
	cr_expect_eq(config_parse_rtc("2000-01-01T24:00:00", &t, err, sizeof(err)), -1);
	cr_expect_eq(config_parse_rtc("2000-01-01T00:00:00Z", &t, err, sizeof(err)), -1);
}

Test(config, machine_and_chardev)
{
	char err[256];
	enum machine_kind k;
	cr_expect_eq(config_parse_machine("isapc", &k, err, sizeof(err)), 0);
	cr_expect_eq(k, MACHINE_ISAPC);
	cr_expect_eq(config_parse_machine("q35", &k, err, sizeof(err)), -1);
	cr_expect_eq(config_check_chardev("--serial", "file:/tmp/x", err, sizeof(err)), 0);
	cr_expect_eq(config_check_chardev("--serial", "file:", err, sizeof(err)), -1);
	cr_expect_eq(config_check_chardev("--serial", "pty", err, sizeof(err)), -1);
}
