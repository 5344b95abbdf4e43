/* vmdef sections about trust and reachability: [expect], [platform], [channel]. */
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "vmdef_internal.h"

static int load_measurement(struct vmdef_ctx *c, const struct toml_node *t)
{
	struct vmdef *d = c->def;
	const struct toml_node *n = t ? toml_table_get(c->doc, t, "measurement") : NULL;
	d->measurement_computed = 1;
	if (n) {
		d->pos_measurement.line = toml_line(n);
		d->pos_measurement.column = toml_column(n);
		const char *s = toml_string(c->doc, n, NULL);
		if (!s || strcmp(s, "computed") != 0) {
			int got;
			if (vmdef__bytes(c, t, "measurement", d->measurement, sizeof d->measurement, 0, &got))
				return vmdef__fail(c, n, "'expect.measurement' must be \"computed\" or 96 hex digits");
			d->measurement_computed = 0;
		}
	}
	if (d->measurement_computed && !d->ovmf[0])
		return vmdef__fail(c, n, "'expect.measurement' is \"computed\"%s, which needs [firmware] ovmf",
				   n ? "" : " (the default)");
	return 0;
}

int vmdef__load_expect(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "expect", &t) || load_measurement(c, t))
		return -1;
	if (vmdef__bytes(c, t, "host_data", d->host_data, sizeof d->host_data, 0, &d->has_host_data) ||
	    vmdef__bytes(c, t, "id_key_digest", d->id_key_digest, sizeof d->id_key_digest, 1, &d->has_id_key_digest) ||
	    vmdef__bytes(c, t, "author_key_digest", d->author_key_digest, sizeof d->author_key_digest, 1,
			 &d->has_author_key_digest) ||
	    vmdef__bytes(c, t, "family_id", d->family_id, sizeof d->family_id, 0, &d->has_family_id) ||
	    vmdef__bytes(c, t, "image_id", d->image_id, sizeof d->image_id, 0, &d->has_image_id))
		return -1;
	int64_t v;
	int got;
	if (vmdef__int(c, t, "min_guest_svn", 0, UINT32_MAX, &v, &got))
		return -1;
	d->min_guest_svn = got ? (uint32_t)v : 0;
	if (vmdef__int(c, t, "vmpl", 0, 3, &v, &d->has_vmpl))
		return -1;
	d->vmpl = d->has_vmpl ? (uint32_t)v : 0;
	return vmdef__tcb(c, t, "min_tcb", &d->min_tcb, &d->has_min_tcb);
}

int vmdef__load_platform(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "platform", &t))
		return -1;
	char product[16];
	int got;
	if (vmdef__string(c, t, "product", product, sizeof product, &got))
		return -1;
	d->product = SNP_PRODUCT_UNKNOWN;
	/* snp_product_parse also takes "Milan-B0"; the definition names the generation only. */
	if (got && (strchr(product, '-') || snp_product_parse(product, &d->product)))
		return vmdef__fail(c, toml_table_get(c->doc, t, "product"),
				   "'platform.product' must be \"milan\", \"genoa\" or \"turin\", not \"%s\"", product);
	if (vmdef__path(c, t, "trust_anchor", d->trust_anchor, &d->pos_trust_anchor) ||
	    vmdef__bool(c, t, "simulated", &d->simulated, NULL) || vmdef__path(c, t, "certs", d->certs, NULL))
		return -1;
	d->check_crl = 1;
	if (vmdef__bool(c, t, "check_crl", &d->check_crl, NULL))
		return -1;
	if (d->simulated && !d->trust_anchor[0])
		return vmdef__fail(c, toml_table_get(c->doc, t, "simulated"),
				   "'platform.simulated = true' needs 'platform.trust_anchor' naming the simulator's "
				   "test root (snp-sim --print-anchor)");
	return 0;
}

/* "host:port" or "[v6]:port". Port 0 only where the client listens (any free port). */
static int parse_address(struct vmdef_ctx *c, const struct toml_node *n)
{
	struct vmdef *d = c->def;
	const char *a = d->address, *colon;
	size_t host_len;
	const char *host = a;
	if (a[0] == '[') {
		const char *close = strchr(a, ']');
		if (!close || close[1] != ':')
			return vmdef__fail(c, n, "'channel.address' \"%s\": expected \"[IPv6]:PORT\"", a);
		host = a + 1;
		host_len = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(a, ':');
		if (!colon || memchr(a, ':', (size_t)(colon - a)))
			return vmdef__fail(c, n, "'channel.address' \"%s\": expected \"HOST:PORT\" (\"[IPv6]:PORT\")", a);
		host_len = (size_t)(colon - a);
	}
	if (host_len == 0)
		return vmdef__fail(c, n, "'channel.address' \"%s\": empty host", a);
	char *end;
	const char *port = colon + 1;
	unsigned long p = strtoul(port, &end, 10);
	unsigned long min = d->channel_mode == VMDEF_CHANNEL_LISTEN ? 0 : 1;
	if (!*port || *end || port[0] == '-' || port[0] == '+' || p < min || p > 65535)
		return vmdef__fail(c, n, "'channel.address' \"%s\": port must be a number %lu..65535", a, min);
	memcpy(d->host, host, host_len);
	d->host[host_len] = '\0';
	d->port = (uint16_t)p;
	return 0;
}

int vmdef__load_channel(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "channel", &t))
		return -1;
	char mode[16] = "connect";
	int got;
	if (vmdef__string(c, t, "mode", mode, sizeof mode, &got))
		return -1;
	if (strcmp(mode, "connect") == 0)
		d->channel_mode = VMDEF_CHANNEL_CONNECT;
	else if (strcmp(mode, "listen") == 0)
		d->channel_mode = VMDEF_CHANNEL_LISTEN;
	else
		return vmdef__fail(c, toml_table_get(c->doc, t, "mode"),
				   "'channel.mode' must be \"connect\" (the client dials the guest) or \"listen\" "
				   "(the guest dials the client), not \"%s\"",
				   mode);
	strcpy(d->address, "127.0.0.1:7443");
	if (vmdef__string(c, t, "address", d->address, sizeof d->address, &got) ||
	    parse_address(c, got ? toml_table_get(c->doc, t, "address") : NULL))
		return -1;
	int64_t v;
	if (vmdef__int(c, t, "timeout_s", 1, 86400, &v, &got))
		return -1;
	d->timeout_s = got ? (uint32_t)v : 60;
	return vmdef__path(c, t, "owner_key", d->owner_key, NULL) ||
	       vmdef__path(c, t, "disk_key_file", d->disk_key_file, NULL);
}
