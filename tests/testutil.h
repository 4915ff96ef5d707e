/* tests/testutil.h: helpers shared by the test suites (running the tool, files). */
#ifndef LS_TESTUTIL_H
#define LS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

#endif
