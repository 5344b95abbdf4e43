/* Unlocking the root: the static cryptsetup does the LUKS2 work and the
 * kernel's dm-crypt serves the data. The key reaches cryptsetup only through
 * a pipe on its stdin (--key-file -): never argv, environment or a file. */
#include "unlock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/bytes.h"
#include "clock.h"
#include "disk_check.h"
#include "dm_ioctl.h"
#include "base/fd_io.h"
#include "log.h"

#define CRYPTSETUP_TIMEOUT_MS 120000
#define CRYPTSETUP_EXIT_WRONG_KEY 2 /* cryptsetup(8): "no permission (bad passphrase)" */

/* Relays cryptsetup's stderr into our log until it exits or time runs out. */
static int wait_child(pid_t pid, int err_fd, char *last_line, size_t last_len)
{
	char buf[512];
	size_t used = 0;
	uint64_t deadline = boottime_ms() + CRYPTSETUP_TIMEOUT_MS;
	last_line[0] = '\0';
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			/* Drain what is left. */
			ssize_t n;
			while (err_fd >= 0 && used < sizeof buf - 1 && (n = read(err_fd, buf + used, sizeof buf - 1 - used)) > 0)
				used += (size_t)n;
			buf[used] = '\0';
			for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				log_warn("cryptsetup: %s", l);
				snprintf(last_line, last_len, "%s", l);
			}
			return status;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (boottime_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			snprintf(last_line, last_len, "timed out after %d ms", CRYPTSETUP_TIMEOUT_MS);
			return -1;
		}
		struct pollfd p = {.fd = err_fd, .events = POLLIN};
		if (poll(&p, 1, 50) > 0 && used < sizeof buf - 1) {
			ssize_t n = read(err_fd, buf + used, sizeof buf - 1 - used);
			if (n > 0)
				used += (size_t)n;
			else if (n == 0) {
				close(err_fd);
				err_fd = -1;
			}
		}
	}
}

enum unlock_result unlock_open(const struct boot_config *cfg, const char *device, struct disk_key *key, char *err,
			       size_t err_len)
{
	int key_pipe[2], err_pipe[2];
	if (pipe2(key_pipe, O_CLOEXEC) != 0) {
		snprintf(err, err_len, "pipe: %s", strerror(errno));
		secure_wipe(key, sizeof *key);
		return UNLOCK_ERROR;
	}
	if (pipe2(err_pipe, O_CLOEXEC) != 0) {
		snprintf(err, err_len, "pipe: %s", strerror(errno));
		close(key_pipe[0]);
		close(key_pipe[1]);
		secure_wipe(key, sizeof *key);
		return UNLOCK_ERROR;
	}
	/* cryptsetup keeps its locks here and warns when it is missing. */
	if (mkdir("/run/cryptsetup", 0700) != 0 && errno != EEXIST)
		log_warn("unlock: mkdir /run/cryptsetup: %s", strerror(errno));
	/* --disable-keyring: the volume key goes into the dm-crypt table itself,
	 * where disk_check_mapping reads it back to check it against the pin. */
	char *const argv[] = {"cryptsetup", "open", "--type", "luks2", "--disable-keyring", "--key-file", "-", "--",
			      (char *)device, (char *)cfg->root.mapper_name, NULL};
	char *const envp[] = {NULL}; /* nothing of ours leaks into the child's environment */
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, err_len, "fork: %s", strerror(errno));
		close(key_pipe[0]);
		close(key_pipe[1]);
		close(err_pipe[0]);
		close(err_pipe[1]);
		secure_wipe(key, sizeof *key);
		return UNLOCK_ERROR;
	}
	if (pid == 0) {
		/* Child: stdin = key pipe, stdout/stderr = error pipe. dup2 clears O_CLOEXEC. */
		if (dup2(key_pipe[0], 0) < 0 || dup2(err_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
			_exit(127);
		execve(CRYPTSETUP_PATH, argv, envp);
		_exit(127);
	}
	close(key_pipe[0]);
	close(err_pipe[1]);
	/* The pipe buffer (64 KiB) holds the whole key, so this cannot block on a live child. */
	signal(SIGPIPE, SIG_IGN);
	int wrote = fd_write_all(key_pipe[1], key->bytes, key->len);
	secure_wipe(key, sizeof *key);
	close(key_pipe[1]);

	char last[200];
	int status = wait_child(pid, err_pipe[0], last, sizeof last);
	close(err_pipe[0]);
	if (wrote != 0)
		log_warn("unlock: could not hand the whole key to cryptsetup");
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* cryptsetup mapped what the header it read said; the host may have
		 * served it another header than the one checked before. What the
		 * kernel maps is what counts: check it before anything reads it. */
		char why[400];
		if (disk_check_mapping(cfg, device, why, sizeof why) == 0) {
			log_info("unlock: the live dm-crypt table of %s matches the disk pin, volume key included",
				 cfg->root.mapper_name);
			return UNLOCK_OK;
		}
		snprintf(err, err_len, "refused: disk does not match the pin: %s", why);
		unlock_close(cfg);
		return UNLOCK_REFUSED;
	}
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == CRYPTSETUP_EXIT_WRONG_KEY) {
		snprintf(err, err_len, "cryptsetup refused the key for %s: %s", device, last[0] ? last : "wrong key");
		return UNLOCK_WRONG_KEY;
	}
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(err, err_len, "could not run %s", CRYPTSETUP_PATH);
	else if (status >= 0 && WIFEXITED(status))
		snprintf(err, err_len, "cryptsetup open %s failed (exit %d): %s", device, WEXITSTATUS(status), last);
	else
		snprintf(err, err_len, "cryptsetup open %s failed: %s", device, last[0] ? last : "killed");
	return UNLOCK_ERROR;
}

void unlock_close(const struct boot_config *cfg)
{
	char why[200];
	if (dm_remove(cfg->root.mapper_name, why, sizeof why) != 0)
		log_err("unlock: could not remove the mapping %s: %s", cfg->root.mapper_name, why);
	else
		log_notice("unlock: mapping %s removed", cfg->root.mapper_name);
}

int unlock_mount(const struct boot_config *cfg, char *err, size_t err_len)
{
	char dev[96], data[128];
	unsigned long flags;
	snprintf(dev, sizeof dev, "/dev/mapper/%s", cfg->root.mapper_name);
	if (mount_options_parse(cfg->root.options, &flags, data, sizeof data) != 0) {
		snprintf(err, err_len, "root.options '%s' is too long", cfg->root.options);
		return -1;
	}
	if (mkdir(NEWROOT, 0755) != 0 && errno != EEXIST) {
		snprintf(err, err_len, "mkdir %s: %s", NEWROOT, strerror(errno));
		return -1;
	}
	if (mount(dev, NEWROOT, cfg->root.fstype, flags, data[0] ? data : NULL) != 0) {
		snprintf(err, err_len, "mount %s (%s, %s) on %s: %s", dev, cfg->root.fstype, cfg->root.options, NEWROOT,
			 strerror(errno));
		return -1;
	}
	log_info("unlock: %s mounted on %s (%s, %s)", dev, NEWROOT, cfg->root.fstype, cfg->root.options);
	return 0;
}
