/* Secrets from private files or inherited descriptors (secret_file.h). */
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err_text.h"


/* A regular file the caller owns, mode 0600 or stricter. */
static int check_private(const struct stat *st, const char *what, const char *name, char *err, size_t err_len)
{
	if (!S_ISREG(st->st_mode))
		return err_set(err, err_len, "%s %s: expected a regular file, got %s", what, name,
			    S_ISDIR(st->st_mode) ? "a directory" : S_ISFIFO(st->st_mode) ? "a pipe" : "a special file");
	if (st->st_uid != geteuid())
		return err_set(err, err_len, "%s %s: must be owned by you (uid %u), not uid %u (chown it, or use your own copy)",
			    what, name, (unsigned)geteuid(), (unsigned)st->st_uid);
	if (st->st_mode & 077)
		return err_set(err, err_len,
			    "%s %s: must be a regular file of mode 0600 or stricter (it is %03o); chmod 600 it", what,
			    name, (unsigned)(st->st_mode & 0777));
	return 0;
}

/* Reads fd to its end into out (at most max bytes; more is an error). */
static int read_all(int fd, const char *what, const char *name, uint8_t *out, size_t min, size_t max, size_t *len,
		    char *err, size_t err_len)
{
	size_t used = 0;
	uint8_t extra = 0;
	for (;;) {
		uint8_t *dst = used < max ? out + used : &extra;
		size_t room = used < max ? max - used : 1;
		ssize_t n = read(fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			secure_wipe(out, max);
			return err_set(err, err_len, "%s %s: %s", what, name, strerror(e));
		}
		if (n == 0)
			break;
		if (dst == &extra) {
			secure_wipe(out, max);
			secure_wipe(&extra, 1);
			return err_set(err, err_len, "%s %s: expected %zu to %zu bytes, got more than %zu", what, name, min,
				    max, max);
		}
		used += (size_t)n;
	}
	if (used < min) {
		secure_wipe(out, max);
		return err_set(err, err_len, "%s %s: expected %zu to %zu bytes, got %zu", what, name, min, max, used);
	}
	*len = used;
	return 0;
}

int secret_read_file(const char *path, const char *what, uint8_t *out, size_t min, size_t max, size_t *len,
		     char *err, size_t err_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		return err_set(err, err_len, "%s %s: %s", what, path,
			    e == ELOOP ? "is a symbolic link: name the file itself" : strerror(e));
	}
	struct stat st;
	int rc = fstat(fd, &st) == 0 ? check_private(&st, what, path, err, err_len)
				     : err_set(err, err_len, "%s %s: %s", what, path, strerror(errno));
	if (rc == 0)
		rc = read_all(fd, what, path, out, min, max, len, err, err_len);
	close(fd);
	return rc;
}

int secret_read_fd(int fd, const char *what, uint8_t *out, size_t min, size_t max, size_t *len, char *err,
		   size_t err_len)
{
	char name[32];
	snprintf(name, sizeof name, "on descriptor %d", fd);
	struct stat st;
	if (fstat(fd, &st) != 0)
		return err_set(err, err_len, "%s %s: %s (is it open in this process?)", what, name, strerror(errno));
	int rc = 0;
	if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
		rc = check_private(&st, what, name, err, err_len);
	if (rc == 0)
		rc = read_all(fd, what, name, out, min, max, len, err, err_len);
	close(fd);
	return rc;
}

int secret_parse_fd(const char *arg, int *fd)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 1023)
		return -1;
	*fd = (int)v;
	return 0;
}
