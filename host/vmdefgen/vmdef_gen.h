/* config-generator's core: a fully commented VM definition from the schema
 * (lib/vmdef_schema.c) with some keys set, checked by the same vmdef loader
 * every tool uses. */
#ifndef SNPBOOT_HOST_VMDEF_GEN_H
#define SNPBOOT_HOST_VMDEF_GEN_H

#include <stddef.h>

#include "vmdef/vmdef_schema.h"

#define VMDEF_GEN_MAX_SETS 128

struct vmdef_gen_set {
	const struct vmdef_key *key;
	char *value;        /* TOML text (malloc'd) */
	char origin[160];   /* the option that set it, for messages */
	unsigned line;      /* where vmdef_gen_render put it (0: not rendered yet) */
};

struct vmdef_gen {
	struct vmdef_gen_set sets[VMDEF_GEN_MAX_SETS];
	size_t n;
};

/*
 * Sets table.key from "table.key=value" (the text of --set). The value is
 * taken by the key's kind: strings and paths as they are (TOML-quoted
 * here); integers in decimal or 0x hex; booleans true/false; TCB tables as
 * "snp=8,microcode=115" or an inline table "{...}"; arrays of strings as a
 * TOML array "[...]" or one element per --set (repeat to add more). A later
 * set of the same key replaces the earlier one (arrays: appends).
 * abs_paths: make relative paths absolute against the current directory
 * (paths from the command line are relative to where it runs).
 * Returns 0, or -1 with err.
 */
int vmdef_gen_set(struct vmdef_gen *g, const char *assignment, const char *origin, int abs_paths, char *err,
		  size_t err_len);
/* The same with the key and value apart. */
int vmdef_gen_set_kv(struct vmdef_gen *g, const char *table, const char *key, const char *value, const char *origin,
		     int abs_paths, char *err, size_t err_len);

/* The commented definition (malloc'd, NUL-terminated; *len without the NUL), or NULL when out of memory.
 * Records where each set key went, for vmdef_gen_check's messages. */
char *vmdef_gen_render(struct vmdef_gen *g, size_t *len);

/* Loads text with vmdef_parse as `name` would be loaded. Returns 0, or -1 with err naming the option that
 * set the offending line when there is one. */
int vmdef_gen_check(const struct vmdef_gen *g, const char *name, const char *text, size_t len, char *err,
		    size_t err_len);

/* TOML basic string of s (quotes and escapes) into a malloc'd buffer, or NULL when out of memory. */
char *vmdef_gen_toml_string(const char *s);

void vmdef_gen_free(struct vmdef_gen *g);

#endif
