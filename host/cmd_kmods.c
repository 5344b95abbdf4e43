/* snpboot kmods: resolves kmods.list against a kernel's modules.dep and stages
 * the module files and their load order for the initramfs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "cli/file_io.h"
#include "kmods/kmods.h"

static const char usage_text[] =
	"usage: snpboot kmods --modules-dir DIR --list kmods.list [--out-dir STAGING]\n"
	"\n"
	"Resolves the modules named in kmods.list (one per line, # comments) and their\n"
	"dependencies from DIR/modules.dep, dependencies first. Prints the load order.\n"
	"With --out-dir, copies each module to STAGING/lib/modules/ and writes the order\n"
	"to STAGING/etc/snpboot/modules.order, which the first stage loads from.\n"
	"Exit: 0 ok, 1 a module is missing or modules.dep is inconsistent, 2 usage, 3 unreadable input.\n";

static int mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int stage(const char *modules_dir, const char *out_dir, const struct kmods_plan *plan)
{
	char path[4096], order[KMODS_MAX * 64 + 64];
	size_t used = 0;
	snprintf(path, sizeof path, "%s/lib/modules", out_dir);
	if (mkdirs(path) != 0) {
		fprintf(stderr, "snpboot kmods: mkdir %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	used += (size_t)snprintf(order, sizeof order, "# load order, written by snpboot kmods\n");
	for (unsigned i = 0; i < plan->count; i++) {
		const char *base = strrchr(plan->paths[i], '/');
		base = base ? base + 1 : plan->paths[i];
		size_t len;
		snprintf(path, sizeof path, "%s/%s", modules_dir, plan->paths[i]);
		char *data = file_read_all("snpboot kmods", path, 64u << 20, &len);
		if (!data)
			return EXIT_INPUT;
		snprintf(path, sizeof path, "%s/lib/modules/%s", out_dir, base);
		int rc = file_write_all("snpboot kmods", path, data, len, 0644);
		free(data);
		if (rc != 0)
			return EXIT_FAILURE_GENERIC;
		used += (size_t)snprintf(order + used, sizeof order - used, "%s\n", base);
	}
	snprintf(path, sizeof path, "%s/etc/snpboot", out_dir);
	if (mkdirs(path) != 0) {
		fprintf(stderr, "snpboot kmods: mkdir %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	snprintf(path, sizeof path, "%s/etc/snpboot/modules.order", out_dir);
	return file_write_all("snpboot kmods", path, order, used, 0644) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
}

int cmd_kmods(int argc, char **argv)
{
	static const struct option opts[] = {{"modules-dir", required_argument, NULL, 'm'},
					     {"list", required_argument, NULL, 'l'},
					     {"out-dir", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *modules_dir = NULL, *list_path = NULL, *out_dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:l:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': modules_dir = optarg; break;
		case 'l': list_path = optarg; break;
		case 'o': out_dir = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (!modules_dir || !list_path || optind != argc) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	char path[4096], err[256];
	size_t dep_len, builtin_len = 0, list_len;
	snprintf(path, sizeof path, "%s/modules.dep", modules_dir);
	char *dep = file_read_all("snpboot kmods", path, 16u << 20, &dep_len);
	snprintf(path, sizeof path, "%s/modules.builtin", modules_dir);
	FILE *probe = fopen(path, "r");
	char *builtin = NULL;
	if (probe) {
		fclose(probe);
		builtin = file_read_all("snpboot kmods", path, 16u << 20, &builtin_len);
	}
	char *list = file_read_all("snpboot kmods", list_path, 1u << 20, &list_len);
	static struct kmods_plan plan;
	int rc = EXIT_INPUT;
	if (dep && list) {
		if (kmods_resolve(dep, dep_len, builtin ? builtin : "", builtin_len, list, list_len, &plan, err,
				  sizeof err) != 0) {
			fprintf(stderr, "snpboot kmods: %s\n", err);
			rc = EXIT_FAILURE_GENERIC;
		} else {
			for (unsigned i = 0; i < plan.builtin_count; i++)
				printf("builtin %s\n", plan.builtin[i]);
			for (unsigned i = 0; i < plan.count; i++)
				printf("load %s\n", plan.paths[i]);
			rc = out_dir ? stage(modules_dir, out_dir, &plan) : EXIT_OK;
		}
	}
	free(dep);
	free(builtin);
	free(list);
	return rc;
}
