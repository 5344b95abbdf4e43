/* vmdef [svsm], the keys about the SVSM's service attestation (AMD SVSM
 * spec #58019 section 7; Linux configfs-tsm-report service_provider):
 * attest_services, service_guid, vtpm_ek_sha256. The measurement keys of
 * the same table are vmdef_svsm.c's. */
#include <string.h>

#include "base/bytes.h"
#include "vmdef_internal.h"

int vmdef__load_svsm_attest(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	struct vmdef_svsm *s = &d->svsm;
	const struct toml_node *t;
	int got_guid = 0;
	if (vmdef__schema_table(c, "svsm", &t))
		return -1;
	if (!t)
		return 0;
	if (vmdef__bool(c, t, "attest_services", &s->attest_services, NULL) ||
	    vmdef__string(c, t, "service_guid", s->service_guid_text, sizeof s->service_guid_text, &got_guid) ||
	    vmdef__bytes(c, t, "vtpm_ek_sha256", s->vtpm_ek_sha256, sizeof s->vtpm_ek_sha256, 0, &s->has_vtpm_ek_sha256))
		return -1;
	if (got_guid) {
		if (guid_parse(s->service_guid_text, s->service_guid) != 0)
			return vmdef__fail(c, toml_table_get(c->doc, t, "service_guid"),
					   "'svsm.service_guid' must be a GUID like %s", GUID_SVSM_VTPM);
		s->has_service_guid = 1;
	}
	if (!s->attest_services && (s->has_service_guid || s->has_vtpm_ek_sha256))
		return vmdef__fail(c, toml_table_get(c->doc, t, s->has_service_guid ? "service_guid" : "vtpm_ek_sha256"),
				   "'svsm.%s' needs 'svsm.attest_services' = true",
				   s->has_service_guid ? "service_guid" : "vtpm_ek_sha256");
	if (s->has_vtpm_ek_sha256) {
		uint8_t vtpm[16];
		(void)guid_parse(GUID_SVSM_VTPM, vtpm);
		if (!s->has_service_guid || memcmp(s->service_guid, vtpm, 16) != 0)
			return vmdef__fail(c, toml_table_get(c->doc, t, "vtpm_ek_sha256"),
					   "'svsm.vtpm_ek_sha256' pins the vTPM's manifest: it needs 'svsm.service_guid' = "
					   "\"%s\" (the vTPM), or the manifest is another service's",
					   GUID_SVSM_VTPM);
	}
	/* The SVSM signs its service attestation from VMPL 0: a definition that
	 * also expects another VMPL contradicts itself. */
	if (s->attest_services && d->has_vmpl && d->vmpl != 0)
		return vmdef__fail(c, toml_table_get(c->doc, t, "attest_services"),
				   "'svsm.attest_services' = true: the report comes from the SVSM at VMPL 0, but "
				   "[expect] vmpl is %u",
				   d->vmpl);
	return 0;
}
