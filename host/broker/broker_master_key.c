/* Loading and making the broker master key (broker_master_key.h). */
#include "broker_master_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "base/fd_io.h"
#include "cli/secret_file.h"

int broker_master_key_load_file(const char *path, uint8_t key[BROKER_MASTER_KEY_LEN], char *err, size_t err_len)
{
	size_t len = 0;
	/* secret_read_file checks the open descriptor: regular, ours, 0600 or stricter, no symlink. */
	return secret_read_file(path, "broker master key file", key, BROKER_MASTER_KEY_LEN, BROKER_MASTER_KEY_LEN,
				&len, err, err_len);
}

int broker_master_key_load_credential(const char *name, uint8_t key[BROKER_MASTER_KEY_LEN], char *err,
				      size_t err_len)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];
	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_set(err, err_len, "broker master key credential '%s': expected a credential name without '/'",
			       name ? name : "");
	if (!dir || !*dir)
		return err_set(err, err_len,
			       "broker master key credential '%s': $CREDENTIALS_DIRECTORY is not set (run under systemd "
			       "with LoadCredential=%s:FILE, or name the key file)",
			       name, name);
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return err_set(err, err_len, "broker master key credential '%s': path too long", name);
	return broker_master_key_load_file(path, key, err, err_len);
}

int broker_master_key_load(const char *spec, uint8_t key[BROKER_MASTER_KEY_LEN], char *err, size_t err_len)
{
	if (strncmp(spec, "cred:", 5) == 0)
		return broker_master_key_load_credential(spec + 5, key, err, err_len);
	return broker_master_key_load_file(spec, key, err, err_len);
}

int broker_master_key_generate(const char *path, char *err, size_t err_len)
{
	uint8_t key[BROKER_MASTER_KEY_LEN];
	size_t got = 0;
	while (got < sizeof key) {
		ssize_t n = getrandom(key + got, sizeof key - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(err, err_len, "broker master key: getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int e = errno;
		secure_wipe(key, sizeof key);
		return err_set(err, err_len, "broker master key file %s: %s", path,
			       e == EEXIST ? "already exists (refusing to overwrite a master key: every disk key sealed "
					     "under it would be lost)"
					   : strerror(e));
	}
	int rc = 0;
	/* The umask may have left it stricter, never looser; make it exactly 0600. */
	if (fchmod(fd, 0600) != 0 || fd_write_all(fd, key, sizeof key) != 0 || fsync(fd) != 0)
		rc = err_set(err, err_len, "broker master key file %s: write: %s", path, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = err_set(err, err_len, "broker master key file %s: close: %s", path, strerror(errno));
	if (rc != 0)
		unlink(path);
	secure_wipe(key, sizeof key);
	return rc;
}
