/* mem/firmware.c: firmware search path and image validation (DESIGN.md §5). */
#include "mem/firmware.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LS_DATADIR
#define LS_DATADIR "/usr/local/share/lockstep"
#endif

#define BIOS_MAX (16u << 20)

static char exe_dir[PATH_MAX];

void firmware_set_exe_dir(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n > 0)
		buf[n] = 0;
	else if (argv0 && strchr(argv0, '/'))
		snprintf(buf, sizeof(buf), "%s", argv0);
	else
		return;
	slash = strrchr(buf, '/');
	if (!slash)
		return;
	*slash = 0;
	snprintf(exe_dir, sizeof(exe_dir), "%s", buf);
	/* libtool-free build: the binary sits in the build root. */
}

/* Calls fn for each search directory in order until it returns non-zero. */
static int for_each_dir(int (*fn)(const char *dir, void *ctx), void *ctx)
{
	static const char *fixed[] = { "/usr/share/seabios", "/usr/share/qemu", "/usr/share/bochs" };
	const char *env = getenv("LOCKSTEP_FIRMWARE_PATH");
	char dir[PATH_MAX];
	int r;

	if (env && *env) {
		const char *p = env;
		while (*p) {
			size_t len = strcspn(p, ":");
			if (len && len < sizeof(dir)) {
				memcpy(dir, p, len);
				dir[len] = 0;
				if ((r = fn(dir, ctx)))
					return r;
			}
			p += len;
			if (*p == ':')
				p++;
		}
	}
	if (exe_dir[0]) {
		snprintf(dir, sizeof(dir), "%s/pc-bios", exe_dir);
		if ((r = fn(dir, ctx)))
			return r;
	}
	if ((r = fn(LS_DATADIR, ctx)))
		return r;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if ((r = fn(fixed[i], ctx)))
			return r;
	return 0;
}

struct find_ctx {
	const char *name;
	char *found;
	char tried[1024];
};

static int try_dir(const char *dir, void *vctx)
{
	struct find_ctx *c = vctx;
	char path[PATH_MAX];
	struct stat st;
	size_t used = strlen(c->tried);

	snprintf(path, sizeof(path), "%s/%s", dir, c->name);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		c->found = strdup(path);
		return 1;
	}
	if (used < sizeof(c->tried) - 1)
		snprintf(c->tried + used, sizeof(c->tried) - used, "%s%s", used ? ":" : "", dir);
	return 0;
}

char *firmware_find(const char *name, char *err, size_t errlen)
{
	struct find_ctx c = { .name = name };

	if (strchr(name, '/')) {
		struct stat st;
		if (stat(name, &st) != 0) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			return NULL;
		}
		return strdup(name);
	}
	for_each_dir(try_dir, &c);
	if (!c.found)
		snprintf(err, errlen, "%s: not found in the firmware search path (%s); "
			 "set LOCKSTEP_FIRMWARE_PATH or give a path", name, c.tried);
	return c.found;
}

struct path_ctx {
	char *buf;
	size_t len;
};

static int add_line(const char *dir, void *vctx)
{
	struct path_ctx *c = vctx;
	size_t used = strlen(c->buf);
	if (used < c->len)
		snprintf(c->buf + used, c->len - used, "%s\n", dir);
	return 0;
}

void firmware_search_path(char *buf, size_t len)
{
	struct path_ctx c = { buf, len };
	if (len)
		buf[0] = 0;
	for_each_dir(add_line, &c);
}

int firmware_read(const char *path, uint64_t max, uint8_t **data, uint64_t *size,
		  char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -1;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: file is empty", path);
		fclose(f);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes; larger than the %llu-byte limit",
			 path, (long long)st.st_size, (unsigned long long)max);
		fclose(f);
		return -1;
	}
	buf = malloc(st.st_size);
	if (!buf || fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: read failed", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*data = buf;
	*size = st.st_size;
	return 0;
}

int firmware_load_bios(const char *path, uint8_t **data, uint64_t *size,
		       char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_size == 0 || st.st_size % 65536 || st.st_size > BIOS_MAX) {
		snprintf(err, errlen, "%s: %lld bytes; a BIOS image must be a non-zero multiple of 64 KiB%s",
			 path, (long long)st.st_size, st.st_size > BIOS_MAX ? " and at most 16 MiB" : "");
		return -1;
	}
	return firmware_read(path, BIOS_MAX, data, size, err, errlen);
}
