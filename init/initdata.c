/* initdata_load for PID 1: the real fw_cfg path, the configured
 * attestation provider, and the log lines. The work is in
 * initdata_bind.c (host-tested) and lib/bootcfg/initdata.c. */
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "initdata.h"
#include "log.h"

static int get_report(void *ctx, const uint8_t report_data[64], struct attest_evidence *ev, char *err,
		      size_t err_len)
{
	const struct boot_config *cfg = ctx;
	return attest_get_report(cfg, report_data, cfg->attestation.vmpl, ev, err, err_len);
}

int initdata_load(struct boot_config *cfg, char *err, size_t err_len)
{
	/* Static: PID 1 keeps a small stack. One byte more than the limit
	 * tells a document that is too long from one that fits. */
	static uint8_t doc[BOOTCFG_INITDATA_MAX + 1];
	static struct attest_evidence ev;
	uint8_t digest[32];
	char hex[65], why[400];
	size_t len;
	int rc = initdata_read(INITDATA_FW_CFG_ROOT, doc, sizeof doc, &len, why, sizeof why);
	if (rc <= 0) {
		snprintf(err, err_len, "initdata is required by boot.toml: %s", why);
		return -1;
	}
	if (initdata_bind(get_report, cfg, doc, len, digest, &ev, why, sizeof why) != 0) {
		snprintf(err, err_len, "initdata refused: %s", why);
		return -1;
	}
	hex_encode(hex, digest, sizeof digest);
	log_info("initdata: %zu bytes, SHA-256 %s = the launch's HOST_DATA (checked)", len, hex);
	if (bootcfg_apply_initdata(cfg, "initdata", (const char *)doc, len, why, sizeof why) != 0) {
		snprintf(err, err_len, "initdata refused: %s", why);
		return -1;
	}
	log_set_level(cfg->log_level);
	log_notice("initdata: applied%s%s%s%s", cfg->vm.name[0] ? " for VM \"" : "", cfg->vm.name,
		   cfg->vm.name[0] ? "\"" : "", cfg->vm.uuid[0] ? " (uuid set)" : "");
	return 0;
}
