/* vmdef [sim]: what snp-sim, the simulated AMD Secure Processor, puts in
 * the reports it signs beyond what [expect] already says. Defaults are
 * filled in even without the table, so the simulator can run on any
 * definition. */
#include <stdio.h>
#include <string.h>

#include "vmdef_internal.h"

static int parse_firmware_version(struct vmdef_ctx *c, const struct toml_node *t)
{
	struct vmdef_sim *s = &c->def->sim;
	char text[32];
	int got;
	s->fw_major = 1;
	s->fw_minor = 55;
	s->fw_build = 21;
	if (vmdef__string(c, t, "firmware_version", text, sizeof text, &got))
		return -1;
	if (!got)
		return 0;
	unsigned a, b, d;
	char tail;
	if (sscanf(text, "%u.%u.%u%c", &a, &b, &d, &tail) != 3 || a > 255 || b > 255 || d > 255)
		return vmdef__fail(c, toml_table_get(c->doc, t, "firmware_version"),
				   "'sim.firmware_version' must be \"MAJOR.MINOR.BUILD\" (each 0..255), not \"%s\"", text);
	s->fw_major = (uint8_t)a;
	s->fw_minor = (uint8_t)b;
	s->fw_build = (uint8_t)d;
	return 0;
}

int vmdef__load_sim(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	struct vmdef_sim *s = &d->sim;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "sim", &t))
		return -1;
	d->has_sim = t != NULL;
	int turin = d->product == SNP_PRODUCT_TURIN;

	if (vmdef__path(c, t, "state_dir", s->state_dir, NULL))
		return -1;
	if (!s->state_dir[0]) {
		int n = snprintf(s->state_dir, sizeof s->state_dir, "%s%ssnp-sim-state", d->dir, d->dir[0] ? "/" : "");
		if (n < 0 || (size_t)n >= sizeof s->state_dir)
			return vmdef__fail(c, NULL, "default sim.state_dir: path too long");
	}
	if (vmdef__bytes(c, t, "chip_id", s->chip_id, sizeof s->chip_id, 0, &s->has_chip_id))
		return -1;

	/* A Milan VCEK as issued today (the real test vector's TCB). */
	s->reported_tcb = (struct snp_tcb){.bootloader = 3, .tee = 0, .snp = 8, .microcode = 115, .has_fmc = turin};
	if (vmdef__tcb(c, t, "reported_tcb", &s->reported_tcb, NULL))
		return -1;
	if (!turin)
		s->reported_tcb.fmc = 0;

	int64_t v;
	int got;
	if (vmdef__int(c, t, "platform_info", 0, INT64_MAX, &v, &got))
		return -1;
	s->platform_info = got ? (uint64_t)v : d->smt == SNP_REQUIRE_OFF ? 0 : SNP_PLATFORM_SMT_EN;

	if (vmdef__bytes(c, t, "host_data", s->host_data, sizeof s->host_data, 0, &got))
		return -1;
	if (!got && d->has_host_data)
		memcpy(s->host_data, d->host_data, sizeof s->host_data);
	if (vmdef__bytes(c, t, "measurement", s->measurement, sizeof s->measurement, 0, &s->has_measurement))
		return -1;

	if (vmdef__int(c, t, "guest_svn", 0, UINT32_MAX, &v, &got))
		return -1;
	s->guest_svn = got ? (uint32_t)v : d->min_guest_svn;
	if (vmdef__int(c, t, "report_version", 2, 3, &v, &got))
		return -1;
	s->report_version = got ? (uint32_t)v : turin ? 3 : 2;
	return parse_firmware_version(c, t);
}
