/*
 * replay/input_script.h: scripted input for `lockstep run --input FILE`
 * (docs/replay.md §3). One event per line:
 *
 *     # comment
 *     icount=1500000 serial "boot\r"
 *     vtime=2s       key "dir\n"
 *     vtime=2500ms   scancode 1c f0 1c
 *
 * `serial` bytes arrive on COM1; `key` types ASCII text as set-2 make and
 * break codes (US layout, shift for capitals and symbols); `scancode` sends
 * raw hex bytes. Strings take \r \n \t \\ \" and \xHH escapes. Times are in
 * icount (retired instructions) or in virtual time (ns, or a unit suffix ns,
 * us, ms, s) and must not decrease. The recorder injects each event at the
 * first checkpoint-slice boundary at or after its time and records the
 * icount it used, so replay needs no script.
 */
#ifndef LS_REPLAY_INPUT_SCRIPT_H
#define LS_REPLAY_INPUT_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "replay/event.h"

struct input_item {
	int at_vtime;                 /* 1: `at` is virtual ns, 0: icount */
	uint64_t at;
	enum trace_input_kind kind;   /* TRACE_INPUT_SERIAL or TRACE_INPUT_KEY */
	uint8_t *data;
	uint32_t len;
};

struct input_script {
	struct input_item *items;
	size_t n, cap;
};

/* Parse text (NUL-terminated). Returns 0, or -1 with "line N: reason". */
int input_script_parse(struct input_script *s, const char *text, char *err, size_t errlen);
/* Read and parse a file; the message is prefixed with the path. */
int input_script_load(struct input_script *s, const char *path, char *err, size_t errlen);
void input_script_free(struct input_script *s);

/* Set-2 make/break codes for one ASCII character into out (up to 8 bytes);
 * returns the count, or 0 for a character without a key. */
size_t input_ascii_to_set2(char c, uint8_t out[8]);

#endif
