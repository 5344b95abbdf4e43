#include "switchroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "unlock.h"

static const char *const moved_mounts[] = {"/dev", "/proc", "/sys", "/run"};

/* Deletes everything on the initramfs below dirfd, staying on device dev
 * (mount points, e.g. NEWROOT, are other devices and are left alone). The
 * initramfs is RAM that the second stage could otherwise never get back. */
static void remove_tree(int dirfd, dev_t dev)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				remove_tree(sub, dev);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, e->d_name, 0);
		}
	}
	closedir(d);
}

int switch_root_exec(const struct boot_config *cfg, char *err, size_t err_len)
{
	char target[160];
	struct stat root_st, new_st;
	snprintf(target, sizeof target, "%s%s", NEWROOT, cfg->switch_root.init);
	if (access(target, X_OK) != 0) {
		snprintf(err, err_len, "%s is not executable in the new root: %s", cfg->switch_root.init, strerror(errno));
		return -1;
	}
	if (stat("/", &root_st) != 0 || stat(NEWROOT, &new_st) != 0 || root_st.st_dev == new_st.st_dev) {
		snprintf(err, err_len, "%s is not a mounted file system", NEWROOT);
		return -1;
	}
	for (size_t i = 0; i < sizeof moved_mounts / sizeof moved_mounts[0]; i++) {
		char dst[64];
		snprintf(dst, sizeof dst, "%s%s", NEWROOT, moved_mounts[i]);
		if (mount(moved_mounts[i], dst, NULL, MS_MOVE, NULL) != 0) {
			/* The new root lacks the mount point: do not leave a stale mount behind. */
			log_warn("switch_root: cannot move %s to %s (%s), unmounting it", moved_mounts[i], dst,
				 strerror(errno));
			umount2(moved_mounts[i], MNT_DETACH);
		}
	}
	int rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chdir(NEWROOT) != 0) {
		snprintf(err, err_len, "chdir %s: %s", NEWROOT, strerror(errno));
		return -1;
	}
	if (rootfd >= 0)
		remove_tree(rootfd, root_st.st_dev);
	if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) {
		snprintf(err, err_len, "move %s to /: %s", NEWROOT, strerror(errno));
		return -1;
	}
	if (chroot(".") != 0 || chdir("/") != 0) {
		snprintf(err, err_len, "chroot: %s", strerror(errno));
		return -1;
	}
	char *argv[BOOTCFG_MAX_INIT_ARGS + 2];
	argv[0] = (char *)cfg->switch_root.init;
	for (unsigned i = 0; i < cfg->switch_root.arg_count; i++)
		argv[i + 1] = (char *)cfg->switch_root.args[i];
	argv[cfg->switch_root.arg_count + 1] = NULL;
	log_notice("switch_root: exec %s", cfg->switch_root.init);
	char *const envp[] = {"HOME=/", "TERM=linux", "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL};
	execve(cfg->switch_root.init, argv, envp);
	snprintf(err, err_len, "exec %s: %s", cfg->switch_root.init, strerror(errno));
	return -1;
}
