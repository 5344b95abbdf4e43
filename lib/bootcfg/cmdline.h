/* The kernel command line (measured under SNP with kernel hashes) may override
 * boot.toml keys with snpboot.SECTION.KEY=VALUE words. */
#ifndef SNPBOOT_INIT_CMDLINE_H
#define SNPBOOT_INIT_CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX 4096
#define CMDLINE_MAX_OVERRIDES 32

struct cmdline_override {
	char key[64];    /* "network.mode" (without the "snpboot." prefix) */
	char value[256]; /* unquoted */
};

struct cmdline_overrides {
	struct cmdline_override items[CMDLINE_MAX_OVERRIDES];
	unsigned count;
};

/* Splits a command line the way the kernel does (spaces, double quotes around
 * any part of a word) and keeps the snpboot.* words. Returns 0, or -1 with a
 * reason in err for a word that is too long, has no '=', or too many words. */
int cmdline_parse(const char *cmdline, size_t len, struct cmdline_overrides *out, char *err, size_t err_len);

#endif
