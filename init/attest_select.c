/* Which provider answers. auto means real hardware only: configfs-tsm
 * when the kernel offers it, else /dev/sev-guest. The simulator is never
 * a fallback: a guest that silently took a simulated report would be
 * telling its owner something untrue, so only a config that names "sim"
 * (the config is measured, so the owner sees that choice) gets it. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "attest_impl.h"

void attest_env_default(struct attest_env *env)
{
	env->tsm_root = ATTEST_TSM_ROOT;
	env->sev_guest_dev = ATTEST_SEV_GUEST_DEV;
	env->vport_class = ATTEST_VPORT_CLASS;
	env->dev_dir = ATTEST_DEV_DIR;
	env->sim_port_wait_ms = ATTEST_SIM_PORT_WAIT_MS;
	env->sim_timeout_ms = ATTEST_SIM_TIMEOUT_MS;
}

const char *attest_provider_name(enum attest_provider p)
{
	switch (p) {
	case ATTEST_AUTO:
		return "auto";
	case ATTEST_CONFIGFS_TSM:
		return "configfs-tsm";
	case ATTEST_SEV_GUEST:
		return "sev-guest";
	case ATTEST_SIM:
		return "sim";
	}
	return "unknown";
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int run_auto(const struct attest_env *env, const uint8_t report_data[64], uint32_t vmpl,
		    struct attest_evidence *ev, char *err, size_t err_len)
{
	char tsm_why[384];
	if (is_dir(env->tsm_root)) {
		if (attest_tsm_get(env->tsm_root, report_data, vmpl, NULL, ev, tsm_why, sizeof tsm_why) == 0)
			return 0;
	} else {
		snprintf(tsm_why, sizeof tsm_why, "configfs-tsm: %s not present", env->tsm_root);
	}
	char dev_why[512];
	if (attest_sevguest_get(env->sev_guest_dev, report_data, vmpl, ev, dev_why, sizeof dev_why) == 0)
		return 0;
	snprintf(err, err_len, "no attestation provider worked: [%s] [%s]", tsm_why, dev_why);
	return -1;
}

int attest_service_from_config(const struct boot_config *cfg, struct attest_service *svc)
{
	memset(svc, 0, sizeof *svc);
	if (cfg->attestation.service_provider[0] == '\0')
		return 0;
	/* bootcfg checked the GUID's form; a failure here leaves it all zero,
	 * which the check below cannot mistake for a request for one service. */
	if (cfg->attestation.service_guid[0] && guid_parse(cfg->attestation.service_guid, svc->guid_bin) == 0)
		guid_format(svc->guid, svc->guid_bin);
	svc->manifest_version = cfg->attestation.service_manifest_version;
	return 1;
}

int attest_select(const struct attest_env *env, enum attest_provider which, const char *sim_port,
		  const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
		  struct attest_evidence *ev, char *err, size_t err_len)
{
	int rc;
	ev->report_len = ev->certs_len = ev->manifest_len = 0;
	ev->has_manifest = 0;
	ev->provider[0] = '\0';
	if (vmpl > 3) {
		snprintf(err, err_len, "VMPL %u out of range 0-3", vmpl);
		return -1;
	}
	/* Only configfs-tsm and the simulator can reach an SVSM's service
	 * attestation; bootcfg refuses the rest already. Never a fallback to a
	 * plain report: the owner expects the service's manifest. */
	if (svc && which != ATTEST_CONFIGFS_TSM && which != ATTEST_SIM) {
		snprintf(err, err_len, "the SVSM service attestation needs provider configfs-tsm or sim, not %s",
			 attest_provider_name(which));
		return -1;
	}
	switch (which) {
	case ATTEST_AUTO:
		rc = run_auto(env, report_data, vmpl, ev, err, err_len);
		break;
	case ATTEST_CONFIGFS_TSM:
		rc = attest_tsm_get(env->tsm_root, report_data, vmpl, svc, ev, err, err_len);
		break;
	case ATTEST_SEV_GUEST:
		rc = attest_sevguest_get(env->sev_guest_dev, report_data, vmpl, ev, err, err_len);
		break;
	case ATTEST_SIM:
		rc = attest_sim_get(env, sim_port, report_data, vmpl, svc, ev, err, err_len);
		break;
	default:
		snprintf(err, err_len, "unknown attestation provider %d", (int)which);
		return -1;
	}
	if (rc != 0)
		return -1;
	char why[200];
	if (attest_check_report(ev, report_data, vmpl, svc, why, sizeof why) != 0) {
		snprintf(err, err_len, "%s: %s", ev->provider, why);
		ev->report_len = ev->certs_len = ev->manifest_len = 0;
		ev->has_manifest = 0;
		return -1;
	}
	return 0;
}
