/* Build-time module ordering from modules.dep. */
#include "../tap.h"
#include "kmods/kmods.h"

static struct kmods_plan plan;
static char err[256];

static int resolve(const char *dep, const char *builtin, const char *list)
{
	return kmods_resolve(dep, strlen(dep), builtin, strlen(builtin), list, strlen(list), &plan, err, sizeof err);
}

static int index_of(const char *path)
{
	for (unsigned i = 0; i < plan.count; i++)
		if (strcmp(plan.paths[i], path) == 0)
			return (int)i;
	return -1;
}

int main(void)
{
	const char *dep = "kernel/drivers/md/dm-crypt.ko.xz: kernel/drivers/md/dm-mod.ko.xz kernel/lib/x.ko.xz\n"
			  "kernel/drivers/md/dm-mod.ko.xz: kernel/lib/x.ko.xz\n"
			  "kernel/lib/x.ko.xz:\n"
			  "kernel/drivers/block/virtio_blk.ko.xz:\n"
			  "kernel/a.ko: kernel/b.ko\n"
			  "kernel/b.ko: kernel/a.ko\n";
	is_int(resolve(dep, "", "# comment\nvirtio-blk\n\n  dm_crypt  # trailing\n"), 0, "resolves: %s", err);
	is_int(plan.count, 4, "four modules");
	is_str(plan.paths[0], "kernel/drivers/block/virtio_blk.ko.xz", "list order kept (- and _ alike)");
	ok(index_of("kernel/lib/x.ko.xz") < index_of("kernel/drivers/md/dm-mod.ko.xz"), "x before dm-mod");
	ok(index_of("kernel/drivers/md/dm-mod.ko.xz") < index_of("kernel/drivers/md/dm-crypt.ko.xz"),
	   "dm-mod before dm-crypt");
	is_int(resolve(dep, "", "dm-mod\ndm-crypt\n"), 0, "shared dependency");
	is_int(plan.count, 3, "each module once");

	is_int(resolve(dep, "kernel/crypto/aes_generic.ko\n", "aes-generic\n"), 0, "builtin accepted");
	is_int(plan.count, 0, "nothing to load");
	is_int(plan.builtin_count, 1, "recorded as builtin");

	is_int(resolve(dep, "", "virtio_blk\nnosuchmod\n"), -1, "missing module refused");
	ok(strstr(err, "kmods.list:2") && strstr(err, "nosuchmod"), "message: %s", err);
	is_int(resolve(dep, "", "a\n"), -1, "cycle refused");
	ok(strstr(err, "cycle") != NULL, "message: %s", err);
	is_int(resolve("kernel/c.ko: kernel/d.ko\n", "", "c\n"), -1, "dependency without a line refused");
	is_int(resolve("garbage line\n", "", "c\n"), -1, "malformed modules.dep refused");
	is_int(resolve(dep, "", "two words\n"), -1, "two names on a line refused");
	char name[64];
	kmods_name_of("kernel/drivers/virt/coco/sev-guest/sev-guest.ko.xz", name, sizeof name);
	is_str(name, "sev_guest", "name of a path");
	return done_testing();
}
