/* The VM definition: reading the file, parsing the TOML, and running the
 * section loaders in order (vmdef_launch.c, vmdef_trust.c, vmdef_qemu.c,
 * vmdef_svsm.c, vmdef_sim.c); the tables and keys allowed come from vmdef_schema.c. */
#include "vmdef.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdef_internal.h"
#include "vmdef_schema.h"
#include "base/err_text.h"

/* VM definitions are small; this is room for several hundred keys. */
#define VMDEF_TOML_NODES 2048
#define VMDEF_TOML_POOL (128 * 1024)

const char *vmdef_channel_mode_name(enum vmdef_channel_mode m)
{
	return m == VMDEF_CHANNEL_LISTEN ? "listen" : "connect";
}

/* The directory part of path ("" when it has none, so relative paths stay as written). */
static int set_dir(struct vmdef *def, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		def->dir[0] = '\0';
		return 0;
	}
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof def->dir)
		return -1;
	memcpy(def->dir, path, n);
	def->dir[n] = '\0';
	return 0;
}

static int load_sections(struct vmdef_ctx *c)
{
	const char *tables[VMDEF_SCHEMA_TABLE_KEYS_MAX];
	vmdef_schema_table_keys(NULL, tables);
	if (toml_check_table_keys(c->doc, toml_root(c->doc), "", tables, c->err))
		return -1;
	if (vmdef__load_vm(c) || vmdef__load_firmware_boot(c) || vmdef__load_policy(c) || vmdef__load_expect(c) || vmdef__load_initdata(c) ||
	    vmdef__load_platform(c) || vmdef__load_channel(c) || vmdef__load_launch(c) || vmdef__load_svsm(c) || vmdef__load_svsm_attest(c) ||
	    vmdef__load_sim(c))
		return -1;
	return 0;
}

int vmdef_parse(const char *path, const char *text, size_t len, struct vmdef *def, char *err, size_t err_len)
{
	memset(def, 0, sizeof *def);
	if (strlen(path) >= sizeof def->file || set_dir(def, path))
		return err_set(err, err_len, "%s: path too long", path);
	memcpy(def->file, path, strlen(path) + 1);

	struct toml_node *nodes = calloc(VMDEF_TOML_NODES, sizeof *nodes);
	char *pool = malloc(VMDEF_TOML_POOL);
	if (!nodes || !pool) {
		free(nodes);
		free(pool);
		return err_set(err, err_len, "%s: out of memory", path);
	}
	struct toml_doc doc;
	struct toml_error terr;
	memset(&terr, 0, sizeof terr);
	toml_doc_init(&doc, nodes, VMDEF_TOML_NODES, pool, VMDEF_TOML_POOL);
	doc.max_input = VMDEF_FILE_MAX;
	struct vmdef_ctx c = {.doc = &doc, .err = &terr, .def = def};
	int rc = toml_parse(&doc, path, text, len, &terr);
	if (rc == 0)
		rc = load_sections(&c);
	if (rc)
		toml_error_format(&terr, err, err_len);
	free(nodes);
	free(pool);
	return rc;
}

int vmdef_load(const char *path, struct vmdef *def, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(err, err_len, "%s: cannot open: %s", path, strerror(errno));
	char *buf = malloc(VMDEF_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return err_set(err, err_len, "%s: out of memory", path);
	}
	size_t len = fread(buf, 1, VMDEF_FILE_MAX + 1, f);
	int read_failed = ferror(f);
	fclose(f);
	int rc;
	if (read_failed)
		rc = err_set(err, err_len, "%s: read error", path);
	else if (len > VMDEF_FILE_MAX)
		rc = err_set(err, err_len, "%s: larger than %d bytes, not a VM definition", path, VMDEF_FILE_MAX);
	else
		rc = vmdef_parse(path, buf, len, def, err, err_len);
	free(buf);
	return rc;
}
