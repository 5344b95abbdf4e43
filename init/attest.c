/* attest_get_report for PID 1: the real device paths, and the log lines.
 * The work is in attest_select.c and the provider files (host-tested). */
#include <stdio.h>

#include "attest.h"
#include "attest_impl.h"
#include "log.h"

int attest_get_report(const struct boot_config *cfg, const uint8_t report_data[64], uint32_t vmpl,
		      struct attest_evidence *ev, char *err, size_t err_len)
{
	struct attest_env env;
	struct attest_service svc;
	enum attest_provider which = cfg->attestation.provider;
	int use_svc = attest_service_from_config(cfg, &svc);
	attest_env_default(&env);
	if (use_svc)
		log_info("attestation: provider %s, the SVSM's service attestation (service %s, manifest version %u)",
			 attest_provider_name(which), svc.guid[0] ? svc.guid : "all", svc.manifest_version);
	else
		log_info("attestation: provider %s, VMPL %u", attest_provider_name(which), vmpl);
	if (which == ATTEST_SIM)
		log_warn("attestation: the boot config selects the SIMULATED platform (snp-sim); no hardware "
			 "attestation will happen");
	if (attest_select(&env, which, cfg->attestation.sim_port, report_data, vmpl, use_svc ? &svc : NULL, ev, err,
			  err_len) != 0)
		return -1;
	if (which == ATTEST_SIM) {
		/* Said on every use: nothing about this report is backed by AMD
		 * hardware, only by the test keys snp-sim holds. */
		log_warn("attestation: *** SIMULATED PLATFORM *** the report comes from snp-sim on port \"%s\", "
			 "not from an AMD Secure Processor; it proves nothing about this machine",
			 cfg->attestation.sim_port);
	}
	log_info("attestation: %zu-byte report from %s, certificate table %zu bytes%s", ev->report_len, ev->provider,
		 ev->certs_len, ev->certs_len ? "" : " (none supplied)");
	if (ev->has_manifest)
		log_info("attestation: the SVSM's %zu-byte service manifest is bound by REPORT_DATA (checked)",
			 ev->manifest_len);
	return 0;
}
