/*
 * machine/console.h: the terminal side of `--serial stdio` when stdin is a
 * terminal. Puts the terminal in raw mode (keys go to the guest's COM1,
 * Ctrl-C included) and restores it on every exit path (normal return, exit(),
 * SIGTERM/SIGINT/SIGHUP, and fatal signals). Ctrl-A is the escape key, as in
 * QEMU: Ctrl-A x quits, Ctrl-A c enters the monitor, Ctrl-A Ctrl-A sends a
 * literal Ctrl-A, Ctrl-A h prints the keys. Host input only ever reaches the
 * guest as recorded input events (the caller injects what console_poll gives).
 */
#ifndef LS_MACHINE_CONSOLE_H
#define LS_MACHINE_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

enum console_action { CONSOLE_NONE, CONSOLE_QUIT, CONSOLE_MONITOR };

struct console;

/* Raw mode on stdin if it is a terminal; NULL if it is not (no console). */
struct console *console_open(void);
/* Restore the terminal and free (NULL is ignored). */
void console_close(struct console *c);
/* Leave raw mode for a while (the monitor reads lines) and come back. */
void console_suspend(struct console *c);
void console_resume(struct console *c);

/* Non-blocking: the guest's bytes typed since the last call (up to cap) and
 * the escape command, if one was typed. */
size_t console_poll(struct console *c, uint8_t *buf, size_t cap, enum console_action *act);

/* Feed keys through the escape state machine (exposed for tests). */
size_t console_filter(struct console *c, const uint8_t *in, size_t n, uint8_t *out,
		      enum console_action *act);
/* A console that is not attached to a terminal (tests of console_filter). */
struct console *console_new_detached(void);

#endif
