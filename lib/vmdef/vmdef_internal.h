/* Shared by the vmdef loader files: typed getters that turn a missing key
 * into "not present" and everything wrong into a positioned toml_error. */
#ifndef SNPBOOT_VMDEF_INTERNAL_H
#define SNPBOOT_VMDEF_INTERNAL_H

#include <stdint.h>

#include "toml/toml.h"
#include "vmdef.h"

struct vmdef_ctx {
	const struct toml_doc *doc;
	struct toml_error *err;
	struct vmdef *def;
};

/* The table `name` of the root, checked against keys[] (NULL-terminated);
 * *out is NULL when the table is absent. 0, or -1 with ctx->err. */
int vmdef__table(struct vmdef_ctx *c, const char *name, const char *const keys[], const struct toml_node **out);
/* The same with the keys vmdef_schema.c lists for the table. */
int vmdef__schema_table(struct vmdef_ctx *c, const char *name, const struct toml_node **out);

/* Each getter: 0 with *present = 0 when the key is absent (out untouched),
 * 0 with *present = 1 and out filled, or -1 with ctx->err at the value.
 * present may be NULL when the caller does not care. */
int vmdef__string(struct vmdef_ctx *c, const struct toml_node *t, const char *key, char *out, size_t cap,
		  int *present);
/* A non-empty path, resolved against the definition's directory. */
int vmdef__path(struct vmdef_ctx *c, const struct toml_node *t, const char *key, char *out, struct vmdef_pos *pos);
int vmdef__int(struct vmdef_ctx *c, const struct toml_node *t, const char *key, int64_t min, int64_t max,
	       int64_t *out, int *present);
int vmdef__bool(struct vmdef_ctx *c, const struct toml_node *t, const char *key, int *out, int *present);
/* Exactly n bytes as 2n hex digits (or, if allow_base64, their base64 form). */
int vmdef__bytes(struct vmdef_ctx *c, const struct toml_node *t, const char *key, uint8_t *out, size_t n,
		 int allow_base64, int *present);
/* An inline table or sub-table { bootloader, tee, snp, microcode, fmc }, each 0..255;
 * components not given keep the value out already holds. */
int vmdef__tcb(struct vmdef_ctx *c, const struct toml_node *t, const char *key, struct snp_tcb *out, int *present);
/* A positioned error at node (or at no position when node is NULL). Always -1. */
int vmdef__fail(struct vmdef_ctx *c, const struct toml_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The section loaders, called in this order (later ones use earlier values). */
int vmdef__load_vm(struct vmdef_ctx *c);
int vmdef__load_firmware_boot(struct vmdef_ctx *c);
int vmdef__load_policy(struct vmdef_ctx *c);
int vmdef__load_expect(struct vmdef_ctx *c);
int vmdef__load_platform(struct vmdef_ctx *c);
int vmdef__load_channel(struct vmdef_ctx *c);
int vmdef__load_launch(struct vmdef_ctx *c);
int vmdef__load_svsm(struct vmdef_ctx *c);
int vmdef__load_svsm_attest(struct vmdef_ctx *c);
int vmdef__load_sim(struct vmdef_ctx *c);
/* vm.initdata against expect.host_data, after both are read (vmdef_initdata.c). */
int vmdef__load_initdata(struct vmdef_ctx *c);

#endif
