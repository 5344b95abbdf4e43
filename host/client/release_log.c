/* The client's record of key releases per launch (release_log.h). */
#include "release_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "base/fd_io.h"

/* A record is small; this bounds what is read (about 60000 releases). */
#define RELEASE_LOG_MAX (8u << 20)


int release_log_default_dir(char *out, size_t cap)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && *xdg)
		n = snprintf(out, cap, "%s/snpboot/releases", xdg);
	else if (home && *home)
		n = snprintf(out, cap, "%s/.cache/snpboot/releases", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* mkdir -p; what it creates is 0700, and the last component must end up ours and 0700. */
static int private_dir(const char *path, char *err, size_t err_len)
{
	char tmp[RELEASE_LOG_PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return err_set(err, err_len, "%s: path too long", path);
	for (char *p = tmp + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return err_set(err, err_len, "release record directory %s: %s", tmp, strerror(errno));
		if (c == '\0')
			break;
		*p = c;
	}
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(err, err_len, "release record directory %s: not a directory", path);
	if (st.st_uid != geteuid())
		return err_set(err, err_len, "release record directory %s: expected to be owned by uid %u, got uid %u",
			    path, (unsigned)geteuid(), (unsigned)st.st_uid);
	if ((st.st_mode & 0777) != 0700 && chmod(path, 0700) != 0)
		return err_set(err, err_len, "release record directory %s: chmod 700: %s", path, strerror(errno));
	return 0;
}

int release_log_open(struct release_log *l, const char *dir, const uint8_t measurement[48], char *err,
		     size_t err_len)
{
	l->lock_fd = -1;
	l->path[0] = '\0';
	if (private_dir(dir, err, err_len) != 0)
		return -1;
	uint8_t digest[32];
	char hex[2 * sizeof digest + 1], lock[RELEASE_LOG_PATH_MAX];
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, measurement, 48);
	br_sha256_out(&h, digest);
	hex_encode(hex, digest, sizeof digest);
	if (snprintf(l->path, sizeof l->path, "%s/%s.log", dir, hex) >= (int)sizeof l->path ||
	    snprintf(lock, sizeof lock, "%s/%s.lock", dir, hex) >= (int)sizeof lock)
		return err_set(err, err_len, "%s: path too long", dir);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, err_len, "%s: %s", lock, strerror(errno));
	int rc;
	do
		rc = flock(fd, LOCK_EX);
	while (rc != 0 && errno == EINTR);
	if (rc != 0) {
		int e = errno;
		close(fd);
		return err_set(err, err_len, "%s: flock: %s", lock, strerror(e));
	}
	l->lock_fd = fd;
	return 0;
}

/* The whole record (NUL-terminated; "" when it does not exist yet), malloc'd. */
static char *read_log(const struct release_log *l, size_t *len, char *err, size_t err_len)
{
	int fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		*len = 0;
		return calloc(1, 1);
	}
	if (fd < 0) {
		err_set(err, err_len, "%s: %s", l->path, strerror(errno));
		return NULL;
	}
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size > RELEASE_LOG_MAX) {
		err_set(err, err_len, "%s: expected a regular file of at most %u bytes", l->path, RELEASE_LOG_MAX);
	} else if ((buf = malloc((size_t)st.st_size + 1)) != NULL) {
		size_t used = 0;
		while (used < (size_t)st.st_size) {
			ssize_t n = read(fd, buf + used, (size_t)st.st_size - used);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			used += (size_t)n;
		}
		if (used != (size_t)st.st_size) {
			err_set(err, err_len, "%s: short read", l->path);
			free(buf);
			buf = NULL;
		} else {
			buf[used] = '\0';
			*len = used;
		}
	} else {
		err_set(err, err_len, "%s: out of memory", l->path);
	}
	close(fd);
	return buf;
}

int release_log_find(const struct release_log *l, const uint8_t report_id[32], char *line, size_t line_cap,
		     char *err, size_t err_len)
{
	char hex[65];
	size_t len;
	hex_encode(hex, report_id, 32);
	char *buf = read_log(l, &len, err, err_len);
	if (!buf)
		return -1;
	int found = 0;
	for (char *p = buf; *p && !found;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= 64 && memcmp(p, hex, 64) == 0 && (n == 64 || p[64] == ' ')) {
			found = 1;
			snprintf(line, line_cap, "%.*s", (int)n, p);
		}
		p += n + (nl ? 1 : 0);
	}
	free(buf);
	return found;
}

int release_log_add(const struct release_log *l, const uint8_t report_id[32], const char *vm_name, char *err,
		    size_t err_len)
{
	size_t len;
	char *old = read_log(l, &len, err, err_len);
	if (!old)
		return -1;
	char hex[65], when[32], entry[256], tmp[RELEASE_LOG_PATH_MAX + 32];
	hex_encode(hex, report_id, 32);
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof when, "%lld", (long long)now);
	int n = snprintf(entry, sizeof entry, "%s %s %s\n", hex, when, vm_name);
	if (n < 0 || (size_t)n >= sizeof entry)
		n = (int)strlen(entry);
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", l->path, (int)getpid()) >= (int)sizeof tmp) {
		free(old);
		return err_set(err, err_len, "%s: path too long", l->path);
	}
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int rc = fd >= 0 ? 0 : err_set(err, err_len, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && fchmod(fd, 0600) != 0)
		rc = err_set(err, err_len, "%s: chmod 600: %s", tmp, strerror(errno));
	if (rc == 0 && (fd_write_all(fd, old, len) != 0 || fd_write_all(fd, entry, (size_t)n) != 0 || fsync(fd) != 0))
		rc = err_set(err, err_len, "%s: write: %s", tmp, strerror(errno));
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = err_set(err, err_len, "%s: close: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, l->path) != 0)
		rc = err_set(err, err_len, "%s: rename: %s", l->path, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	free(old);
	return rc;
}

void release_log_close(struct release_log *l)
{
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	l->lock_fd = -1;
}
