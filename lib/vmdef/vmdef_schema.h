/*
 * The VM definition's keys in one table: which tables and keys exist (the
 * loaders refuse any other), their kind, and the text and comment
 * `snpboot config-generator` writes for each. A key added to a loader but
 * not here is refused as unknown, so the generator cannot fall behind.
 * The meaning of every key is documented in vmdef.h.
 */
#ifndef SNPBOOT_VMDEF_SCHEMA_H
#define SNPBOOT_VMDEF_SCHEMA_H

#include <stddef.h>

enum vmdef_kind {
	VMDEF_KIND_STRING,  /* TOML string */
	VMDEF_KIND_PATH,    /* TOML string naming a file, relative to the definition */
	VMDEF_KIND_INT,     /* TOML integer (decimal or 0x hex) */
	VMDEF_KIND_BOOL,    /* true | false */
	VMDEF_KIND_TCB,     /* inline table { bootloader, tee, snp, microcode, fmc } */
	VMDEF_KIND_STRINGS, /* array of strings */
};

struct vmdef_key {
	const char *table;
	const char *key;
	enum vmdef_kind kind;
	/* Valid TOML value: the default, or for optional keys an example. */
	const char *value;
	/* 1: written commented out; absent means the default the comment names. */
	int optional;
	/* Comment lines ('\n'-separated, no "# "): what it is and its safe default. */
	const char *doc;
};

struct vmdef_table {
	const char *name;
	const char *doc; /* comment above the [table] header */
};

/* Tables in file order; keys grouped by table in the same order. */
extern const struct vmdef_table vmdef_schema_tables[];
extern const size_t vmdef_schema_n_tables;
extern const struct vmdef_key vmdef_schema_keys[];
extern const size_t vmdef_schema_n_keys;

/* Most keys one table has (room for vmdef_schema_table_keys, NULL included). */
#define VMDEF_SCHEMA_TABLE_KEYS_MAX 24

/* The keys of `table`, NULL-terminated, into out[VMDEF_SCHEMA_TABLE_KEYS_MAX]; the names of
 * all tables when table is NULL. Returns the count. */
size_t vmdef_schema_table_keys(const char *table, const char *out[VMDEF_SCHEMA_TABLE_KEYS_MAX]);
/* The entry for table.key, or NULL. */
const struct vmdef_key *vmdef_schema_find(const char *table, const char *key);
/* "string", "path", "integer", "boolean", "TCB table", "array of strings". */
const char *vmdef_kind_name(enum vmdef_kind k);

#endif
