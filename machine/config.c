/* machine/config.c: defaults and parsing of machine options (DESIGN.md §4). */
#include "machine/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTC_DEFAULT 946684800 /* 2000-01-01T00:00:00Z */

void config_init(struct machine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = MACHINE_PC;
	c->ram_size = 128ull << 20;
	c->serial = "stdio";
	c->debugcon = "none";
	c->rtc_start = RTC_DEFAULT;
}

int config_parse_ram(const char *s, uint64_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1ull << 20;

	if (!*s || *s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: goto bad;
	}
	if (*end == 'i' || *end == 'B')
		end += (end[0] == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v > (16ull << 30))
		goto bad;
	v *= mul;
	if (v < (1ull << 20) || v > (3584ull << 20)) {
		snprintf(err, errlen, "-m %s: RAM must be between 1M and 3584M (3.5G)", s);
		return -1;
	}
	if (v & 0xfff) {
		snprintf(err, errlen, "-m %s: RAM size must be a multiple of 4K", s);
		return -1;
	}
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "-m %s: expected a size such as 128M, 1G or 640K (a bare number is MiB)", s);
	return -1;
}

static int leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int config_parse_rtc(const char *s, int64_t *out, char *err, size_t errlen)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int Y, M, D, h, m, sec, n = 0;
	int64_t days = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 ||
	    s[n] || strlen(s) != 19)
		goto bad;
	if (Y < 1970 || Y > 2099 || M < 1 || M > 12 || D < 1 ||
	    D > mdays[M - 1] + (M == 2 && leap(Y)) || h > 23 || m > 59 || sec > 59)
		goto bad;
	for (long y = 1970; y < Y; y++)
		days += 365 + leap(y);
	for (int i = 0; i < M - 1; i++)
		days += mdays[i] + (i == 1 && leap(Y));
	days += D - 1;
	*out = days * 86400 + h * 3600 + m * 60 + sec;
	return 0;
bad:
	snprintf(err, errlen, "--rtc %s: expected YYYY-MM-DDTHH:MM:SS between 1970 and 2099", s);
	return -1;
}

int config_parse_machine(const char *s, enum machine_kind *out, char *err, size_t errlen)
{
	if (!strcmp(s, "pc"))
		*out = MACHINE_PC;
	else if (!strcmp(s, "isapc"))
		*out = MACHINE_ISAPC;
	else {
		snprintf(err, errlen, "--machine %s: unknown machine (known: pc, isapc)", s);
		return -1;
	}
	return 0;
}

int config_check_chardev(const char *opt, const char *s, char *err, size_t errlen)
{
	if (!strcmp(s, "stdio") || !strcmp(s, "none") ||
	    (!strncmp(s, "file:", 5) && s[5]))
		return 0;
	snprintf(err, errlen, "%s %s: expected stdio, none or file:PATH", opt, s);
	return -1;
}
