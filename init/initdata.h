/* Initdata in the guest: the per-VM document the host hands in through
 * QEMU fw_cfg (opt/org.snpboot/initdata), used only once the platform's
 * report says HOST_DATA = SHA-256(document). The host sets HOST_DATA at
 * launch and cannot change it afterwards, and every report of this launch
 * carries it, so the owner's verifier (which expects SHA-256 of its own
 * document) refuses a launch whose guest ran with any other document. */
#ifndef SNPBOOT_INIT_INITDATA_H
#define SNPBOOT_INIT_INITDATA_H

#include <stddef.h>
#include <stdint.h>

#include "attest.h"
#include "bootcfg/bootcfg.h"

#define INITDATA_FW_CFG_ROOT "/sys/firmware/qemu_fw_cfg"
#define INITDATA_FW_CFG_NAME BOOTCFG_INITDATA_FW_CFG_NAME
/* Domain separation of the local report's REPORT_DATA (initdata_report_data). */
#define INITDATA_REPORT_DATA_PREFIX "snpboot-initdata-v1"
#define INITDATA_HOST_DATA_OFFSET 0xC0u

/* Reads <fw_cfg_root>/by_name/opt/org.snpboot/initdata/raw into buf (at
 * most cap - 1 bytes are accepted, so a longer entry is refused rather
 * than cut). 1 read with *len, 0 absent (err says whether fw_cfg itself or
 * only the entry is missing), -1 unreadable or too long. */
int initdata_read(const char *fw_cfg_root, uint8_t *buf, size_t cap, size_t *len, char *err, size_t err_len);

/* SHA-512("snpboot-initdata-v1" || digest). Any value would do: this
 * report is only read here for its HOST_DATA and never sent. The prefix
 * keeps it from ever matching the channel's REPORT_DATA, so even a copy
 * that left the guest binds no TLS session. */
void initdata_report_data(const uint8_t digest[32], uint8_t out[64]);

/* The report's HOST_DATA (0xC0, 32 bytes) is digest; else -1 with both in
 * hex in err. */
int initdata_check_host_data(const uint8_t *report, size_t report_len, const uint8_t digest[32], char *err,
			     size_t err_len);

/* The platform's report as a function, so tests can stand in for it:
 * attest_get_report in the guest. 0 with ev filled, or -1 with err. */
typedef int (*initdata_report_fn)(void *ctx, const uint8_t report_data[64], struct attest_evidence *ev, char *err,
				  size_t err_len);

/* SHA-256 of doc into digest, a report through get, then the HOST_DATA
 * check. 0, or -1 with why in err. */
int initdata_bind(initdata_report_fn get, void *ctx, const uint8_t *doc, size_t len, uint8_t digest[32],
		  struct attest_evidence *ev, char *err, size_t err_len);

/* PID 1 (initdata.c): with initdata.mode = "required", reads the document
 * from fw_cfg, binds it to HOST_DATA with the configured provider and
 * applies it to cfg (bootcfg_apply_initdata). Absent initdata is refused.
 * 0, or -1 with why in err (cfg unchanged). */
int initdata_load(struct boot_config *cfg, char *err, size_t err_len);

#endif
