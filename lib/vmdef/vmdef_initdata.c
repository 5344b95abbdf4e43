/* vm.initdata: the per-VM document handed to the guest unmeasured. The
 * guest uses it only when the report's HOST_DATA is its SHA-256, so that
 * digest is what this VM's reports must carry: expect.host_data defaults
 * to it, and a different expect.host_data is a definition no launch can
 * satisfy, refused here rather than at the first boot. */
#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "vmdef_internal.h"

static int hash_file(struct vmdef_ctx *c, const struct toml_node *n, const char *path, uint8_t out[32])
{
	static unsigned char buf[VMDEF_INITDATA_MAX + 1];
	FILE *f = fopen(path, "rb");
	if (!f)
		return vmdef__fail(c, n, "'vm.initdata': cannot open %s: %s", path, strerror(errno));
	size_t len = fread(buf, 1, sizeof buf, f);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return vmdef__fail(c, n, "'vm.initdata': read error on %s", path);
	if (len > VMDEF_INITDATA_MAX)
		return vmdef__fail(c, n, "'vm.initdata': %s is larger than %d bytes, the first stage's limit", path,
				   VMDEF_INITDATA_MAX);
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, buf, len);
	br_sha256_out(&h, out);
	return 0;
}

int vmdef__load_initdata(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	if (!d->initdata[0])
		return 0;
	const struct toml_node *vm = toml_get_path(c->doc, "vm");
	if (hash_file(c, vm ? toml_table_get(c->doc, vm, "initdata") : NULL, d->initdata, d->initdata_sha256))
		return -1;
	if (d->has_host_data && memcmp(d->host_data, d->initdata_sha256, 32) != 0) {
		char want[65];
		const struct toml_node *ex = toml_get_path(c->doc, "expect");
		hex_encode(want, d->initdata_sha256, 32);
		/* Short: toml_error holds one line. The guest needs HOST_DATA =
		 * SHA-256(initdata), so no launch could satisfy both. */
		return vmdef__fail(c, ex ? toml_table_get(c->doc, ex, "host_data") : NULL,
				   "'expect.host_data' must be SHA-256 of vm.initdata, %s (or left out)", want);
	}
	memcpy(d->host_data, d->initdata_sha256, 32);
	d->has_host_data = 1;
	return 0;
}
