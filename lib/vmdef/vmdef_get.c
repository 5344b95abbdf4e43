/* Typed getters for the vmdef loader (see vmdef_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "vmdef_internal.h"
#include "vmdef_schema.h"

int vmdef__fail(struct vmdef_ctx *c, const struct toml_node *node, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	toml_verrorf(c->err, c->doc, node, fmt, ap);
	va_end(ap);
	return -1;
}

int vmdef__table(struct vmdef_ctx *c, const char *name, const char *const keys[], const struct toml_node **out)
{
	*out = toml_table_get(c->doc, toml_root(c->doc), name);
	if (!*out)
		return 0;
	if (toml_expect(c->doc, *out, TOML_TABLE, c->err))
		return -1;
	return toml_check_table_keys(c->doc, *out, name, keys, c->err);
}

int vmdef__schema_table(struct vmdef_ctx *c, const char *name, const struct toml_node **out)
{
	const char *keys[VMDEF_SCHEMA_TABLE_KEYS_MAX];
	vmdef_schema_table_keys(name, keys);
	return vmdef__table(c, name, keys, out);
}

static void set_present(int *present, int v)
{
	if (present)
		*present = v;
}

/* "vm.name" for messages. */
static const char *path_of(struct vmdef_ctx *c, const struct toml_node *n, char *buf, size_t cap)
{
	toml_path(c->doc, n, buf, cap);
	return buf;
}

int vmdef__string(struct vmdef_ctx *c, const struct toml_node *t, const char *key, char *out, size_t cap,
		  int *present)
{
	set_present(present, 0);
	const struct toml_node *n = t ? toml_table_get(c->doc, t, key) : NULL;
	if (!n)
		return 0;
	if (toml_get_string(c->doc, n, out, cap, c->err))
		return -1;
	set_present(present, 1);
	return 0;
}

int vmdef__path(struct vmdef_ctx *c, const struct toml_node *t, const char *key, char *out, struct vmdef_pos *pos)
{
	char value[VMDEF_PATH_MAX], where[96];
	int present;
	if (vmdef__string(c, t, key, value, sizeof value, &present))
		return -1;
	if (!present)
		return 0;
	const struct toml_node *n = toml_table_get(c->doc, t, key);
	if (!value[0])
		return vmdef__fail(c, n, "'%s' is an empty path", path_of(c, n, where, sizeof where));
	int len;
	if (value[0] == '/' || !c->def->dir[0])
		len = snprintf(out, VMDEF_PATH_MAX, "%s", value);
	else
		len = snprintf(out, VMDEF_PATH_MAX, "%s/%s", c->def->dir, value);
	if (len < 0 || len >= VMDEF_PATH_MAX)
		return vmdef__fail(c, n, "'%s': path too long once resolved against '%s'", path_of(c, n, where, sizeof where),
				   c->def->dir);
	if (pos) {
		pos->line = toml_line(n);
		pos->column = toml_column(n);
	}
	return 0;
}

int vmdef__int(struct vmdef_ctx *c, const struct toml_node *t, const char *key, int64_t min, int64_t max,
	       int64_t *out, int *present)
{
	set_present(present, 0);
	const struct toml_node *n = t ? toml_table_get(c->doc, t, key) : NULL;
	if (!n)
		return 0;
	if (toml_get_int(c->doc, n, min, max, out, c->err))
		return -1;
	set_present(present, 1);
	return 0;
}

int vmdef__bool(struct vmdef_ctx *c, const struct toml_node *t, const char *key, int *out, int *present)
{
	set_present(present, 0);
	const struct toml_node *n = t ? toml_table_get(c->doc, t, key) : NULL;
	if (!n)
		return 0;
	bool b;
	if (toml_get_bool(c->doc, n, &b, c->err))
		return -1;
	*out = b;
	set_present(present, 1);
	return 0;
}

int vmdef__bytes(struct vmdef_ctx *c, const struct toml_node *t, const char *key, uint8_t *out, size_t n,
		 int allow_base64, int *present)
{
	set_present(present, 0);
	const struct toml_node *node = t ? toml_table_get(c->doc, t, key) : NULL;
	if (!node)
		return 0;
	char where[96];
	if (toml_expect(c->doc, node, TOML_STRING, c->err))
		return -1;
	size_t len;
	const char *s = toml_string(c->doc, node, &len);
	if (len == 2 * n && hex_decode(out, n, s, len) == 0) {
		set_present(present, 1);
		return 0;
	}
	if (allow_base64 && len == base64_encoded_len(n) - 1) {
		uint8_t tmp[64];
		if (n <= sizeof tmp && base64_decode(tmp, sizeof tmp, s, len) == (long)n) {
			memcpy(out, tmp, n);
			set_present(present, 1);
			return 0;
		}
	}
	return vmdef__fail(c, node, "'%s' must be %zu hex digits (%zu bytes)%s, got %zu characters%s",
			   path_of(c, node, where, sizeof where), 2 * n, n,
			   allow_base64 ? " or their base64 form" : "", len,
			   len == 2 * n ? " with a non-hex digit" : "");
}

int vmdef__tcb(struct vmdef_ctx *c, const struct toml_node *t, const char *key, struct snp_tcb *out, int *present)
{
	static const char *const keys[] = {"bootloader", "tee", "snp", "microcode", "fmc", NULL};
	set_present(present, 0);
	const struct toml_node *n = t ? toml_table_get(c->doc, t, key) : NULL;
	if (!n)
		return 0;
	if (toml_expect(c->doc, n, TOML_TABLE, c->err) || toml_check_table_keys(c->doc, n, NULL, keys, c->err))
		return -1;
	uint8_t *slots[] = {&out->bootloader, &out->tee, &out->snp, &out->microcode, &out->fmc};
	for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
		int64_t v;
		int got;
		if (vmdef__int(c, n, keys[i], 0, 255, &v, &got))
			return -1;
		if (got)
			*slots[i] = (uint8_t)v;
	}
	set_present(present, 1);
	return 0;
}
