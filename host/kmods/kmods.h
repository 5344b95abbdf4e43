/* Build-time kernel module resolution: the top-level modules named in
 * kmods.list plus their dependencies from the kernel's modules.dep, in an
 * order where every module comes after what it needs. */
#ifndef SNPBOOT_HOST_KMODS_H
#define SNPBOOT_HOST_KMODS_H

#include <stddef.h>

#define KMODS_MAX 128

struct kmods_plan {
	/* Paths relative to the module directory, dependencies first. */
	char paths[KMODS_MAX][160];
	unsigned count;
	/* Listed modules that are built into the kernel (nothing to load). */
	char builtin[KMODS_MAX][64];
	unsigned builtin_count;
};

/* dep: modules.dep text; builtin: modules.builtin text (may be empty);
 * list: kmods.list text (one name per line, '#' comments). 0, or -1 with err
 * naming the missing module, the cycle, or the list line. */
int kmods_resolve(const char *dep, size_t dep_len, const char *builtin, size_t builtin_len, const char *list,
		  size_t list_len, struct kmods_plan *plan, char *err, size_t err_len);

/* "kernel/drivers/md/dm-crypt.ko.xz" -> "dm_crypt" (modprobe treats - and _ alike). */
void kmods_name_of(const char *path, char *name, size_t name_len);

#endif
