/*
 * machine/chardev.h: where guest character output goes (--serial, --debugcon):
 * stdout, a file, or nowhere. ANSI escape sequences (SeaBIOS's serial console
 * draws its screen with them) pass through to a terminal and are stripped
 * when the output is a file or a pipe, unless raw output is asked for.
 * Output only: guest input is a recorded event and never comes from here.
 */
#ifndef LS_MACHINE_CHARDEV_H
#define LS_MACHINE_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

struct chardev;

/* spec: "stdio", "none" or "file:PATH" (created or truncated). raw: never strip
 * escapes. Returns NULL with a one-line message in err. */
struct chardev *chardev_open(const char *spec, int raw, char *err, size_t errlen);
/* Flushes and closes (stdout is flushed, not closed). NULL is ignored. */
void chardev_close(struct chardev *c);
/* Write guest bytes; NULL c or a "none" device drops them. */
void chardev_write(struct chardev *c, const uint8_t *buf, size_t len);
/* Callback form for devices: opaque is the struct chardev. */
void chardev_write_cb(void *opaque, const uint8_t *buf, size_t len);
/* Whether the last byte written ended a line (for tidy summary output). */
int chardev_at_line_start(const struct chardev *c);
void chardev_flush(struct chardev *c);

/* Strip ANSI escape sequences from buf in place (state carries across calls;
 * start with *state = 0). Returns the new length. Exposed for tests. */
size_t chardev_strip_escapes(uint8_t *buf, size_t len, int *state);

#endif
