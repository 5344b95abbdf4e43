#include "file_io.h"
#include "base/fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *file_read_all(const char *prog, const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		if (used == cap) {
			if (cap >= max) {
				fprintf(stderr, "%s: %s: larger than %zu bytes\n", prog, path, max);
				free(buf);
				buf = NULL;
				break;
			}
			cap = cap * 2 > max ? max : cap * 2;
			char *bigger = realloc(buf, cap + 1);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (buf) {
		buf[used] = '\0';
		*len = used;
	}
	return buf;
}

int file_write_all(const char *prog, const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp) {
		fprintf(stderr, "%s: %s: path too long\n", prog, path);
		return -1;
	}
	/* rename() would replace whatever is there: a device node (once /dev/full
	 * became a plain file this way) or a symlink the user meant to write
	 * through. Replace only regular files. */
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file; refusing to replace it\n", prog, path);
		return -1;
	}
	/* O_EXCL|O_NOFOLLOW: never write through a link planted at the temp name. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, tmp, strerror(errno));
		return -1;
	}
	if (fd_write_all(fd, data, len) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
