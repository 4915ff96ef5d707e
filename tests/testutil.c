/* tests/testutil.c: running the tool under test and reading files. */
#include "tests/testutil.h"

#include <criterion/criterion.h>
#include <criterion/options.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp_fd(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = 0;
	return buf;
}

struct run_result tu_run(const char *const *args)
{
	struct run_result r = { -1, NULL, NULL };
	char out_tmpl[] = "/tmp/ls-out-XXXXXX", err_tmpl[] = "/tmp/ls-err-XXXXXX";
	int ofd = mkstemp(out_tmpl), efd = mkstemp(err_tmpl);
	char *exe = tu_build_path("lockstep");
	const char *argv[64];
	int n = 0, st;
	pid_t pid;

	argv[n++] = exe;
	while (args && args[n - 1] && n < 63) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	r.out = slurp_fd(ofd);
	r.err = slurp_fd(efd);
	close(ofd);
	close(efd);
	unlink(out_tmpl);
	unlink(err_tmpl);
	free(exe);
	return r;
}

struct run_result tu_run_cmd(tu_cmd_fn fn, const char *name, const char *const *args)
{
	struct run_result r;
	char *argv[64];
	size_t ol, el;
	FILE *o = open_memstream(&r.out, &ol), *e = open_memstream(&r.err, &el);
	int argc = 0;

	argv[argc++] = (char *)name;
	while (args && args[argc - 1] && argc < 63) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	r.status = fn(argc, argv, o, e);
	fclose(o);
	fclose(e);
	return r;
}

void tu_run_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

static char *join(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

char *tu_build_path(const char *rel) { return join(LS_ABS_BUILDDIR, rel); }
char *tu_src_path(const char *rel) { return join(LS_ABS_SRCDIR, rel); }

char *tu_shared_path(const char *rel)
{
	const char *env = getenv("LOCKSTEP_SHARED");
	char *dir, *p;

	if (env && *env)
		return join(env, rel);
	dir = join(LS_ABS_SRCDIR, "../shared");
	p = join(dir, rel);
	free(dir);
	return p;
}

uint8_t *tu_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	if (fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

int tu_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	int ok;
	if (!f)
		return -1;
	ok = fwrite(data, 1, size, f) == size;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

int tu_count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int tu_main_one_at_a_time(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;

	criterion_options.jobs = 1;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
