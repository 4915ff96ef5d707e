/*
 * machine/config.h: the machine configuration, as the command line gives it
 * and as a trace header stores it (DESIGN.md §4). Parsing helpers return 0 on
 * success or -1 with a one-line message in err (no trailing newline).
 */
#ifndef LS_MACHINE_CONFIG_H
#define LS_MACHINE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_DISKS 4
#define CONFIG_MAX_OPTION_ROMS 8

enum machine_kind { MACHINE_PC, MACHINE_ISAPC };

struct machine_config {
	enum machine_kind kind;
	const char *bios;            /* NULL: search for the default (bios.bin) */
	uint64_t ram_size;           /* bytes; default 128 MiB */
	const char *disks[CONFIG_MAX_DISKS];
	int ndisks;
	const char *serial;          /* "stdio", "none" or "file:PATH" */
	const char *debugcon;        /* likewise; default "none" */
	const char *option_roms[CONFIG_MAX_OPTION_ROMS];
	int noption_roms;
	int64_t rtc_start;           /* seconds since 1970-01-01 UTC; default 2000-01-01 */
	const char *kernel;
};

/* Fill in every default. */
void config_init(struct machine_config *c);

/* "128M", "1G", "640K", "64" (a bare number is MiB). 1 MiB to 3.5 GiB. */
int config_parse_ram(const char *s, uint64_t *out, char *err, size_t errlen);
/* "YYYY-MM-DDTHH:MM:SS" (UTC). */
int config_parse_rtc(const char *s, int64_t *out, char *err, size_t errlen);
/* "pc" or "isapc". */
int config_parse_machine(const char *s, enum machine_kind *out, char *err, size_t errlen);
/* "stdio", "none" or "file:PATH" (PATH non-empty). */
int config_check_chardev(const char *opt, const char *s, char *err, size_t errlen);

#endif
