/* machine/console.c: raw terminal for the serial console, with Ctrl-A escapes (see console.h). */
#include "machine/console.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CTRL_A 0x01

struct console {
	int tty;               /* attached to stdin's terminal */
	int raw;               /* raw mode is on now */
	int escape;            /* the last key was Ctrl-A */
	struct termios saved;
	int saved_flags;
};

/* The terminal settings to restore from signal handlers and atexit: the
 * front end's one piece of global state, outside the emulation path. */
static struct termios restore_termios;
static volatile sig_atomic_t restore_pending;

static void restore_now(void)
{
	if (restore_pending) {
		tcsetattr(STDIN_FILENO, TCSANOW, &restore_termios);
		restore_pending = 0;
	}
}

static void on_fatal(int sig)
{
	restore_now();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void raw_on(struct console *c)
{
	struct termios t = c->saved;

	t.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(IXON | ICRNL | INLCR | IGNCR | BRKINT | ISTRIP);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
	fcntl(STDIN_FILENO, F_SETFL, c->saved_flags | O_NONBLOCK);
	c->raw = 1;
	restore_pending = 1;
}

static void raw_off(struct console *c)
{
	if (!c->raw)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	fcntl(STDIN_FILENO, F_SETFL, c->saved_flags);
	c->raw = 0;
	restore_pending = 0;
}

struct console *console_new_detached(void)
{
	return calloc(1, sizeof(struct console));
}

struct console *console_open(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };
	struct console *c;

	if (!isatty(STDIN_FILENO))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c || tcgetattr(STDIN_FILENO, &c->saved)) {
		free(c);
		return NULL;
	}
	c->tty = 1;
	c->saved_flags = fcntl(STDIN_FILENO, F_GETFL);
	restore_termios = c->saved;
	atexit(restore_now);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], on_fatal);
	raw_on(c);
	return c;
}

void console_close(struct console *c)
{
	if (!c)
		return;
	if (c->tty)
		raw_off(c);
	free(c);
}

void console_suspend(struct console *c)
{
	if (c && c->tty)
		raw_off(c);
}

void console_resume(struct console *c)
{
	if (c && c->tty && !c->raw)
		raw_on(c);
}

size_t console_filter(struct console *c, const uint8_t *in, size_t n, uint8_t *out,
		      enum console_action *act)
{
	size_t k = 0;

	*act = CONSOLE_NONE;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = in[i];
		if (!c->escape) {
			if (ch == CTRL_A)
				c->escape = 1;
			else
				out[k++] = ch;
			continue;
		}
		c->escape = 0;
		switch (ch) {
		case 'x': case 'X':
			*act = CONSOLE_QUIT;
			return k;
		case 'c': case 'C':
			*act = CONSOLE_MONITOR;
			return k;
		case CTRL_A:
			out[k++] = CTRL_A;
			break;
		case 'h': case 'H': case '?':
			fputs("\r\nCtrl-A x  quit\r\nCtrl-A c  monitor\r\nCtrl-A Ctrl-A  send Ctrl-A\r\n",
			      stderr);
			break;
		default:
			break;   /* unknown escapes are swallowed, as QEMU does */
		}
	}
	return k;
}

size_t console_poll(struct console *c, uint8_t *buf, size_t cap, enum console_action *act)
{
	uint8_t in[256];
	ssize_t n;

	*act = CONSOLE_NONE;
	if (!c || !c->raw)
		return 0;
	n = read(STDIN_FILENO, in, cap < sizeof(in) ? cap : sizeof(in));
	if (n <= 0)
		return 0;
	return console_filter(c, in, (size_t)n, buf, act);
}
