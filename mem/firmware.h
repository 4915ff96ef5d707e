/*
 * mem/firmware.h: finding and validating firmware and guest images
 * (DESIGN.md §5). Search order for a bare name: $LOCKSTEP_FIRMWARE_PATH
 * (colon-separated), pc-bios/ beside the executable (an uninstalled build
 * tree), the installed data dir, /usr/share/seabios, /usr/share/qemu,
 * /usr/share/bochs. A name containing '/' is used as given.
 */
#ifndef LS_MEM_FIRMWARE_H
#define LS_MEM_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

/* Remember the directory of the running executable (from argv[0] or
 * /proc/self/exe) for the "pc-bios/ beside the executable" entry. */
void firmware_set_exe_dir(const char *argv0);

/* Find `name`. Returns a malloc'd path, or NULL with a one-line message in
 * err naming every directory tried. */
char *firmware_find(const char *name, char *err, size_t errlen);

/* Write the search path, one directory per line, to buf (for --help and errors). */
void firmware_search_path(char *buf, size_t len);

/* Read a whole file. Returns 0 and a malloc'd buffer, or -1 with a one-line
 * message in err (missing, unreadable, empty, larger than max). */
int firmware_read(const char *path, uint64_t max, uint8_t **data, uint64_t *size,
		  char *err, size_t errlen);

/* Read and validate a BIOS image: a non-zero multiple of 64 KiB, at most 16 MiB.
 * The message names the file, its size and the rule. */
int firmware_load_bios(const char *path, uint8_t **data, uint64_t *size,
		       char *err, size_t errlen);

#endif
