/* tests/testutil.h: helpers shared by the test suites (running the tool, files,
 * device state through its visitor). */
#ifndef LS_TESTUTIL_H
#define LS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/state_io.h"

/* Result of running the lockstep binary. out/err are NUL-terminated, malloc'd. */
struct run_result {
	int status;      /* exit status, or 128+signal */
	char *out;
	char *err;
};

/* Run the built lockstep with the given arguments (NULL-terminated), stdin
 * from /dev/null. */
struct run_result tu_run(const char *const *args);
void tu_run_free(struct run_result *r);

/* Run a subcommand in-process: fn(argc, argv, out, err) with argv[0] = name
 * and the NULL-terminated args after it; out and err are captured. */
typedef int (*tu_cmd_fn)(int argc, char **argv, FILE *out, FILE *err);
struct run_result tu_run_cmd(tu_cmd_fn fn, const char *name, const char *const *args);

/* Path of a file in the build tree or the source tree (static buffer per call
 * site is not used: returns malloc'd). */
char *tu_build_path(const char *rel);
char *tu_src_path(const char *rel);
/* Path of a file in ../shared (the project's shared data: conformance tests,
 * reference logs, bench guest): $LOCKSTEP_SHARED, else srcdir/../shared. */
char *tu_shared_path(const char *rel);

/* Read a whole file; returns malloc'd data and size, or NULL. */
uint8_t *tu_read_file(const char *path, size_t *size);
/* Write a file of the given bytes; returns 0 on success. */
int tu_write_file(const char *path, const void *data, size_t size);
/* Count newline characters. */
int tu_count_lines(const char *s);

/* The body of a suite's main() that runs its tests one at a time: for
 * suites that spawn processes of their own, where Criterion's parallel
 * runner makes LeakSanitizer report a Criterion-internal allocation (48
 * bytes per overlapping test) that fails the ASan build. Returns the exit
 * status. */
int tu_main_one_at_a_time(int argc, char *argv[]);

/* ---- device state through its foo_state_visit (machine/state_io.h) ----
 * Header-only: the device suites do not link testutil.c. */

/* The bytes a visitor saved (STATE_IO_SAVE). */
struct tu_state {
	uint8_t *buf;    /* malloc'd: tu_state_free */
	size_t len;
};

/* TU_STATE_SAVE(pic_state_visit, p): run the visitor on dev in SAVE mode and
 * give its bytes as a struct tu_state. Aborts if saving fails (no memory). */
#define TU_STATE_SAVE(visit, dev) ({                                           \
	struct state_io tu_sio_;                                               \
	state_io_init_save(&tu_sio_);                                          \
	visit((dev), &tu_sio_);                                                \
	tu_state_take_(&tu_sio_);                                              \
})

/* TU_STATE_LOAD(pic_state_visit, p, &st): load saved bytes into dev through
 * its visitor. Returns 0, or -1 if the visitor rejected them or left bytes
 * unread. */
#define TU_STATE_LOAD(visit, dev, st) ({                                       \
	const struct tu_state *tu_st_ = (st);                                  \
	struct state_io tu_sio_;                                               \
	state_io_init_load(&tu_sio_, tu_st_->buf, tu_st_->len);                \
	visit((dev), &tu_sio_);                                                \
	tu_sio_.error || tu_sio_.pos != tu_sio_.len ? -1 : 0;                  \
})

/* TU_STATE_SAVES_AS(pic_state_visit, p, &st): whether dev now saves exactly
 * the bytes st holds (after a load: nothing lost, nothing re-derived wrong). */
#define TU_STATE_SAVES_AS(visit, dev, st) ({                                   \
	struct tu_state tu_now_ = TU_STATE_SAVE(visit, dev);                   \
	int tu_eq_ = tu_state_eq(&tu_now_, (st));                              \
	tu_state_free(&tu_now_);                                               \
	tu_eq_;                                                                \
})

/* TU_STATE_DIGEST(ide_state_visit, c): the visitor's XXH3-64 (STATE_IO_HASH,
 * as the machine's device hash runs it), for tests that compare many states. */
#define TU_STATE_DIGEST(visit, dev) ({                                         \
	struct state_io tu_sio_;                                               \
	uint64_t tu_h_;                                                        \
	if (state_io_init_hash(&tu_sio_))                                      \
		abort();                                                       \
	visit((dev), &tu_sio_);                                                \
	tu_h_ = state_io_digest(&tu_sio_);                                     \
	state_io_release(&tu_sio_);                                            \
	tu_h_;                                                                 \
})

static inline struct tu_state tu_state_take_(struct state_io *s)
{
	struct tu_state st = { NULL, 0 };
	if (s->error)
		abort();
	st.buf = state_io_take(s, &st.len);
	return st;
}

/* Whether two saved states are the same bytes. */
static inline int tu_state_eq(const struct tu_state *a, const struct tu_state *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

static inline void tu_state_free(struct tu_state *st)
{
	free(st->buf);
	st->buf = NULL;
	st->len = 0;
}

#endif
