#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef SNPBOOT_VERSION
#define SNPBOOT_VERSION "0.1.0"
#endif

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: snpboot version\nPrints the version of the snpboot tools.\n");
		return EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "snpboot version: takes no arguments\n");
		return EXIT_USAGE;
	}
	printf("snpboot %s\n", SNPBOOT_VERSION);
	return EXIT_OK;
}
