/* Inside lib/bootcfg: the schema table and the loaders that boot.toml
 * (bootcfg.c) and initdata (initdata.c) share, so both get the same types,
 * ranges and messages. Not for use outside this folder. */
#ifndef SNPBOOT_BOOTCFG_IMPL_H
#define SNPBOOT_BOOTCFG_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "bootcfg.h"
#include "toml/toml.h"

enum field_kind {
	F_STRING, F_UINT, F_UINT64, F_ENUM, F_IPV4, F_CIDR, F_HOSTPORT, F_HEX, F_SIZE,
	F_IPV4_LIST, F_SHA256_LIST, F_STRING_LIST, F_ALLOW_LIST
};

struct field {
	const char *section, *key;
	enum field_kind kind;
	uint32_t pin_bit;      /* a root.pin_* key: its bit in root.pin_set; 0 otherwise */
	size_t offset;
	size_t size;           /* F_STRING, F_HEX: buffer size; F_UINT: 1, 2 or 4 bytes */
	uint32_t min, max;     /* F_UINT */
	const char *const *names; /* F_ENUM: index = value */
	size_t len_offset;     /* F_HEX: where the decoded length (size_t) goes */
};

extern const struct field bootcfg__fields[];
extern const size_t bootcfg__field_count;
/* root.pin_set with every pin key given */
#define BOOTCFG__PIN_ALL_SET ((1u << 11) - 1)

/* Shared by boot.toml and initdata, which are parsed one after the other
 * (static: about 36 KiB, too much for PID 1's stack habits). */
extern struct toml_arena bootcfg__arena;

const struct field *bootcfg__find_field(const char *section, const char *key);
/* The field's bit in initdata.allow. */
uint64_t bootcfg__field_bit(const struct field *f);
/* The allow bits of every root.pin_* field. */
uint64_t bootcfg__pin_mask(void);
/* 1 for the tables initdata may never set, whatever boot.toml allows. */
int bootcfg__initdata_never(const char *section);
int bootcfg__load_value(struct boot_config *cfg, struct toml_doc *doc, const struct field *f,
			const struct toml_node *v, struct toml_error *terr);
/* The cross-field rules. final = 0: a required value initdata may still
 * provide is not yet required (initdata.mode = "required" only). */
int bootcfg__validate(const struct boot_config *cfg, const char *file, int final, char *err, size_t err_len);

#endif
