#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/module.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4 /* Linux 6.4+: the kernel decompresses */
#endif

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int load_one(const char *name, char *err, size_t err_len)
{
	char path[256];
	if (snprintf(path, sizeof path, "%s/%s", MODULES_DIR, name) >= (int)sizeof path) {
		snprintf(err, err_len, "module path too long: %s", name);
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "module %s: open %s: %s", name, path, strerror(errno));
		return -1;
	}
	unsigned flags = ends_with(name, ".xz") || ends_with(name, ".zst") ? MODULE_INIT_COMPRESSED_FILE : 0;
	long rc = syscall(SYS_finit_module, fd, "", flags);
	int saved = errno;
	close(fd);
	if (rc == 0) {
		log_debug("modules: loaded %s", name);
		return 0;
	}
	if (saved == EEXIST) {
		log_debug("modules: %s already loaded", name);
		return 0;
	}
	if (saved == ENODEV) {
		log_warn("modules: %s: no such device here (not fatal)", name);
		return 0;
	}
	snprintf(err, err_len, "module %s: finit_module: %s", name, strerror(saved));
	return -1;
}

int modules_load_all(char *err, size_t err_len)
{
	char list[8192];
	int fd = open(MODULES_ORDER_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "open %s: %s", MODULES_ORDER_PATH, strerror(errno));
		return -1;
	}
	ssize_t n = read(fd, list, sizeof list - 1);
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof list - 1) {
		snprintf(err, err_len, "read %s: %s", MODULES_ORDER_PATH, n < 0 ? strerror(errno) : "file too large");
		return -1;
	}
	list[n] = '\0';
	unsigned loaded = 0;
	for (char *save = NULL, *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (load_one(line, err, err_len) != 0)
			return -1;
		loaded++;
	}
	log_info("modules: %u loaded", loaded);
	return 0;
}
