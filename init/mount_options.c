#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "unlock.h"

struct flag_name {
	const char *name;
	unsigned long set, clear;
};

static const struct flag_name flag_names[] = {
	{"ro", MS_RDONLY, 0},         {"rw", 0, MS_RDONLY},           {"nosuid", MS_NOSUID, 0},
	{"suid", 0, MS_NOSUID},       {"nodev", MS_NODEV, 0},         {"dev", 0, MS_NODEV},
	{"noexec", MS_NOEXEC, 0},     {"exec", 0, MS_NOEXEC},         {"noatime", MS_NOATIME, 0},
	{"relatime", MS_RELATIME, 0}, {"nodiratime", MS_NODIRATIME, 0}, {"sync", MS_SYNCHRONOUS, 0},
	{"defaults", 0, 0},
};

int mount_options_parse(const char *options, unsigned long *flags, char *data, size_t data_len)
{
	char copy[256];
	size_t used = 0;
	if (strlen(options) >= sizeof copy || data_len == 0)
		return -1;
	strcpy(copy, options);
	*flags = 0;
	data[0] = '\0';
	for (char *save = NULL, *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
			if (strcmp(opt, flag_names[i].name) == 0)
				break;
		if (i < sizeof flag_names / sizeof flag_names[0]) {
			*flags = (*flags & ~flag_names[i].clear) | flag_names[i].set;
			continue;
		}
		int n = snprintf(data + used, data_len - used, "%s%s", used ? "," : "", opt);
		if (n < 0 || (size_t)n >= data_len - used)
			return -1;
		used += (size_t)n;
	}
	return 0;
}
