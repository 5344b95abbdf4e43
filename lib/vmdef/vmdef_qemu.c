/* vmdef [launch]: how `snpboot launch-qemu` starts the VM. Nothing here is
 * measured or verified; it only has to make QEMU launch what the rest of
 * the definition describes. Defaults are filled in without the table. */
#include <string.h>

#include "vmdef_internal.h"

static int load_extra_args(struct vmdef_ctx *c, const struct toml_node *t)
{
	struct vmdef_launch *l = &c->def->launch;
	const struct toml_node *a = t ? toml_table_get(c->doc, t, "extra_args") : NULL;
	if (!a)
		return 0;
	if (toml_expect(c->doc, a, TOML_ARRAY, c->err))
		return -1;
	size_t used = 0;
	for (const struct toml_node *e = toml_first(c->doc, a); e; e = toml_next(c->doc, e)) {
		if (toml_expect(c->doc, e, TOML_STRING, c->err))
			return -1;
		size_t len;
		const char *s = toml_string(c->doc, e, &len);
		if (len == 0)
			return vmdef__fail(c, e, "'launch.extra_args': empty argument");
		if (l->n_extra_args >= VMDEF_EXTRA_ARGS_COUNT || used + len + 1 > sizeof l->extra_args)
			return vmdef__fail(c, e, "'launch.extra_args': more than %d arguments or %d bytes",
					   VMDEF_EXTRA_ARGS_COUNT, VMDEF_EXTRA_ARGS_MAX);
		memcpy(l->extra_args + used, s, len + 1);
		used += len + 1;
		l->n_extra_args++;
	}
	return 0;
}

static int load_strings(struct vmdef_ctx *c, const struct toml_node *t)
{
	struct vmdef_launch *l = &c->def->launch;
	int got;
	strcpy(l->qemu, "qemu-system-x86_64");
	if (vmdef__string(c, t, "qemu", l->qemu, sizeof l->qemu, &got))
		return -1;
	if (!l->qemu[0])
		return vmdef__fail(c, toml_table_get(c->doc, t, "qemu"), "'launch.qemu' is empty");

	strcpy(l->disk_format, "raw");
	if (vmdef__string(c, t, "disk_format", l->disk_format, sizeof l->disk_format, &got))
		return -1;
	if (strcmp(l->disk_format, "raw") != 0 && strcmp(l->disk_format, "qcow2") != 0)
		return vmdef__fail(c, toml_table_get(c->doc, t, "disk_format"),
				   "'launch.disk_format' must be \"raw\" or \"qcow2\", not \"%s\"", l->disk_format);

	char net[16] = "user";
	if (vmdef__string(c, t, "network", net, sizeof net, &got))
		return -1;
	if (strcmp(net, "user") == 0)
		l->network = VMDEF_NETWORK_USER;
	else if (strcmp(net, "none") == 0)
		l->network = VMDEF_NETWORK_NONE;
	else
		return vmdef__fail(c, toml_table_get(c->doc, t, "network"),
				   "'launch.network' must be \"user\" or \"none\", not \"%s\"", net);
	return 0;
}

static int load_ints(struct vmdef_ctx *c, const struct toml_node *t)
{
	struct vmdef_launch *l = &c->def->launch;
	const struct {
		const char *key;
		int64_t min, max, def;
		uint32_t *out;
	} ints[] = {
		{"cbitpos", 1, 63, 51, &l->cbitpos},
		{"reduced_phys_bits", 0, 63, 1, &l->reduced_phys_bits},
	};
	int64_t v;
	int got;
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		if (vmdef__int(c, t, ints[i].key, ints[i].min, ints[i].max, &v, &got))
			return -1;
		*ints[i].out = (uint32_t)(got ? v : ints[i].def);
	}
	if (vmdef__int(c, t, "guest_port", 1, 65535, &v, &got))
		return -1;
	l->guest_port = (uint16_t)(got ? v : 7443);
	return 0;
}

int vmdef__load_launch(struct vmdef_ctx *c)
{
	struct vmdef_launch *l = &c->def->launch;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "launch", &t) || load_strings(c, t) || load_ints(c, t) || load_extra_args(c, t))
		return -1;
	if (vmdef__path(c, t, "disk", l->disk, NULL) || vmdef__bool(c, t, "disk_snapshot", &l->disk_snapshot, NULL) ||
	    vmdef__path(c, t, "id_block", l->id_block, &l->pos_id_block) ||
	    vmdef__path(c, t, "id_auth", l->id_auth, &l->pos_id_auth) || vmdef__path(c, t, "console", l->console, NULL))
		return -1;
	/* An ID block without its auth info (or the reverse) makes SNP_LAUNCH_FINISH fail late. */
	if (!l->id_block[0] != !l->id_auth[0])
		return vmdef__fail(c, toml_table_get(c->doc, t, l->id_block[0] ? "id_block" : "id_auth"),
				   "'launch.%s' needs 'launch.%s' too (idblock-generator writes both)",
				   l->id_block[0] ? "id_block" : "id_auth", l->id_block[0] ? "id_auth" : "id_block");
	int got;
	l->author_key_enabled = 1;
	if (vmdef__bool(c, t, "author_key_enabled", &l->author_key_enabled, &got))
		return -1;
	if (got && !l->id_auth[0])
		return vmdef__fail(c, toml_table_get(c->doc, t, "author_key_enabled"),
				   "'launch.author_key_enabled' only applies with 'launch.id_auth'");
	return 0;
}
