#include "mounts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "log.h"

struct basic_mount {
	const char *source, *target, *fstype;
	unsigned long flags;
	const char *data;
};

/* nosuid/noexec/nodev where the second stage does not need them either. */
static const struct basic_mount basic_mounts[] = {
	{"proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL},
	{"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL},
	{"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
	{"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=10%"},
};

int mount_basics(char *err, size_t err_len)
{
	for (size_t i = 0; i < sizeof basic_mounts / sizeof basic_mounts[0]; i++) {
		const struct basic_mount *m = &basic_mounts[i];
		if (mkdir(m->target, 0755) != 0 && errno != EEXIST) {
			snprintf(err, err_len, "mkdir %s: %s", m->target, strerror(errno));
			return -1;
		}
		if (mount(m->source, m->target, m->fstype, m->flags, m->data) != 0 && errno != EBUSY) {
			snprintf(err, err_len, "mount %s on %s: %s", m->fstype, m->target, strerror(errno));
			return -1;
		}
	}
	return 0;
}

void mount_configfs(void)
{
	if (mount("configfs", "/sys/kernel/config", "configfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) != 0 &&
	    errno != EBUSY)
		log_debug("configfs not mounted: %s", strerror(errno));
}
