/* snp-sim, the simulated AMD Secure Processor: its test PKI (chains under
 * the test root, refused under AMD's pinned roots, persisted and re-issued),
 * the reports it signs (verified as the client verifies them, MEASUREMENT
 * from the definition), malformed requests, and the socket server.
 *
 * RSA-4096 key generation takes seconds, so the PKI is made once and
 * cached in $BUILD/test/snpsim-pki (the e2e tests make fresh ones). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "snp/amd_certdir.h"
#include "base/bytes.h"
#include "base/guid.h"
#include "snp/snp_certtable.h"
#include "snp/snp_verify.h"
#include "sim/snpsim.h"
#include "sim/snpsim_cert.h"
#include "x509/x509.h"
#include "simserve/snpsim_serve.h"
#include "vmdef/vmdef.h"

static char tmpdir[256], cache[PATH_MAX], ovmf[PATH_MAX];
static struct snpsim_pki pki, pki2;
static struct vmdef def;
static struct snpsim_sp sp;
static struct snpsim_launch launch;
static struct snp_verify_policy pol;
static struct snp_verify_result res;
static uint8_t resp[SNPSIM_RESPONSE_MAX];
static char err[1024];

static const char *const vector = "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362"
				  "f390ef83a92046c042e706363b4b08fa";
static const struct snp_tcb milan_tcb = {.bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};

static void run(const char *fmt, const char *arg1, const char *arg2)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, fmt, arg1, arg2);
	if (system(cmd) != 0)
		diag("command failed: %s", cmd);
}

/* A definition in tmpdir/NAME.toml trusting the cached test root: extra tables
 * go before [sim], sim_keys into it. */
static int load_def2(const char *name, const char *append, const char *extra, const char *sim_keys)
{
	char path[512], text[4096];
	snprintf(path, sizeof path, "%s/%s.toml", tmpdir, name);
	snprintf(text, sizeof text,
		 "[vm]\nname = \"%s\"\n[firmware]\novmf = \"%s\"\n[boot]\nkernel = \"/dev/null\"\n"
		 "initrd = \"/dev/null\"\nappend = \"%s\"\n[platform]\nproduct = \"milan\"\n"
		 "trust_anchor = \"%s/ark.pem\"\nsimulated = true\n%s[sim]\nstate_dir = \"%s\"\n%s",
		 name, ovmf, append, cache, extra ? extra : "", cache, sim_keys ? sim_keys : "");
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return -1;
	int rc = vmdef_load(path, &def, err, sizeof err);
	if (rc)
		diag("%s", err);
	return rc;
}

static int load_def(const char *name, const char *append, const char *extra)
{
	return load_def2(name, append, extra, NULL);
}

static int setup_sp(void)
{
	if (snpsim_launch_from_vmdef(&launch, &def, &pki, err, sizeof err) ||
	    snpsim_sp_init(&sp, &launch, pki.vcek_priv, pki.ark_der, pki.ark_len, pki.ask_der, pki.ask_len,
			   pki.vcek_der, pki.vcek_len, err, sizeof err)) {
		diag("%s", err);
		return -1;
	}
	return 0;
}

/* Sends a request through snpsim_sp_handle; returns the response length. */
static size_t request(uint32_t vmpl, const uint8_t rd[64], struct snpsim_outcome *out)
{
	struct sim_request r = {.vmpl = vmpl};
	uint8_t req[SIM_REQUEST_LEN];
	memcpy(r.report_data, rd, 64);
	sim_request_encode(req, &r);
	return snpsim_sp_handle(&sp, req, sizeof req, resp, out);
}

/* The service manifest client_verifies hands the verifier, as the client
 * does with the one in the evidence (NULL: none came). */
static const uint8_t *verify_manifest;
static size_t verify_manifest_len;

/* Verifies the report and table in resp with the definition's policy. */
static int client_verifies(const uint8_t rd[64], struct snp_report *parsed)
{
	static struct snp_certtable table;
	struct amd_certs certs;
	struct sim_response_header h;
	const char *why;
	if (sim_response_header_decode(&h, resp, &why) || h.status != SIM_OK)
		return -2;
	const uint8_t *report = resp + SIM_RESPONSE_HEADER_LEN;
	if (snp_certtable_parse(&table, report + h.report_len, h.certs_len, err, sizeof err) ||
	    snp_certs_from_table(&table, &certs, err, sizeof err) || vmdef_to_policy(&def, &pol, rd, err, sizeof err)) {
		diag("%s", err);
		return -2;
	}
	pol.has_manifest = verify_manifest != NULL;
	pol.manifest = verify_manifest;
	pol.manifest_len = verify_manifest_len;
	/* As the client does: the table has no CRL, the state directory has one. */
	uint8_t *crl = NULL;
	size_t crl_len = 0;
	char where[2 * VMDEF_PATH_MAX + 32];
	if (pol.require_crl && vmdef_sim_crl(&def, &crl, &crl_len, where, sizeof where, err, sizeof err) == 0)
		certs.crl = crl, certs.crl_len = crl_len;
	int rc = snp_verify_report(report, h.report_len, &certs, &pol, &res, parsed);
	free(crl);
	for (size_t i = 0; rc && i < res.n_failed; i++)
		diag("FAIL %s: expected %s, got %s", res.failed[i].check, res.failed[i].expected, res.failed[i].got);
	return rc;
}

static int failed_check(const char *check)
{
	for (size_t i = 0; i < res.n_failed; i++)
		if (strcmp(res.failed[i].check, check) == 0)
			return 1;
	return 0;
}

static void test_pki(void)
{
	diag("test PKI in %s (made once: RSA-4096 keys take seconds)", cache);
	int rc = snpsim_pki_open(cache, SNP_PRODUCT_MILAN, NULL, &milan_tcb, &pki, NULL, err, sizeof err);
	ok(rc == 0, "test PKI created or loaded (%s)", cache);
	if (rc) {
		diag("%s", err);
		exit(1);
	}
	ok(snpsim_pki_check(&pki, time(NULL), err, sizeof err) == 0, "PKI self-consistent");
	ok(snpsim_pki_crl(cache, &pki, SNPSIM_REVOKE_NONE, NULL, NULL, err, sizeof err) == 0, "test ARK's CRL issued: %s",
	   err);

	struct amd_certs certs = {.ark = pki.ark_der, .ark_len = pki.ark_len, .ask = pki.ask_der,
				  .ask_len = pki.ask_len, .vcek = pki.vcek_der, .vcek_len = pki.vcek_len};
	static struct amd_chain_result cr;
	struct amd_chain_opts o = {.anchor = pki.ark_der, .anchor_len = pki.ark_len, .now = time(NULL)};
	rc = amd_chain_verify(&certs, &o, &cr, err, sizeof err);
	ok(rc == 0 && cr.product == AMD_PRODUCT_MILAN && !cr.is_vlek, "amd_chain_verify: chain under the test ARK");
	if (rc)
		diag("%s", err);
	ok(strcmp(cr.ext.product_name, "Milan-B0") == 0 && cr.ext.hwid_len == 64 &&
		   memcmp(cr.ext.hwid, pki.id.chip_id, 64) == 0,
	   "VCEK productName Milan-B0, hwID = CHIP_ID");
	ok(cr.ext.bl_spl == 3 && cr.ext.tee_spl == 0 && cr.ext.snp_spl == 8 && cr.ext.ucode_spl == 115,
	   "VCEK SPLs = reported TCB");
	o.anchor = NULL;
	o.anchor_len = 0;
	ok(amd_chain_verify(&certs, &o, &cr, err, sizeof err) == -1 && strstr(err, "not the pinned AMD Milan root"),
	   "refused without the anchor: not AMD's pinned root (%s)", err);
	ok(memmem(pki.ark_der, pki.ark_len, "ARK-Milan SNPBOOT-TEST-ONLY", 27) &&
		   memmem(pki.vcek_der, pki.vcek_len, "SNPBOOT TEST ONLY - NOT AMD", 27),
	   "names say SNPBOOT TEST ONLY");

	struct stat st;
	char path[PATH_MAX + 32];
	ok(stat(cache, &st) == 0 && (st.st_mode & 0777) == 0700, "state directory mode 0700");
	snprintf(path, sizeof path, "%s/ark.key", cache);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "ark.key mode 0600");
	snprintf(path, sizeof path, "%s/vcek.key", cache);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "vcek.key mode 0600");

	/* The state directory doubles as a certificate directory (KDS layout). */
	struct amd_certdir cd;
	ok(amd_certdir_load(cache, &cd, err, sizeof err) == 0 && cd.certs.ark_len == pki.ark_len &&
		   memcmp(cd.certs.ark, pki.ark_der, pki.ark_len) == 0 && cd.certs.vcek_len == pki.vcek_len,
	   "state directory loads with amd_certdir (ark.pem, ask.pem, cert_chain.pem, vcek.der)");
	amd_certdir_free(&cd);

	ok(snpsim_pki_open(cache, SNP_PRODUCT_MILAN, NULL, &milan_tcb, &pki2, NULL, err, sizeof err) == 0 &&
		   pki2.ark_len == pki.ark_len && memcmp(pki2.ark_der, pki.ark_der, pki.ark_len) == 0 &&
		   memcmp(pki2.vcek_der, pki.vcek_der, pki.vcek_len) == 0 && memcmp(pki2.vcek_priv, pki.vcek_priv, 48) == 0,
	   "second open loads the same PKI");
	snpsim_pki_wipe(&pki2);
}

static void test_pki_changes(void)
{
	char copy[300];
	snprintf(copy, sizeof copy, "%s/state-copy", tmpdir);
	run("cp -a '%s' '%s'", cache, copy);
	struct snp_tcb newer = milan_tcb;
	newer.microcode = 116;
	uint8_t chip[64];
	memset(chip, 0x42, sizeof chip);
	int rc = snpsim_pki_open(copy, SNP_PRODUCT_MILAN, chip, &newer, &pki2, NULL, err, sizeof err);
	ok(rc == 0, "new TCB and chip ID: opened");
	if (rc)
		diag("%s", err);
	ok(memcmp(pki2.ark_der, pki.ark_der, pki.ark_len) == 0 && memcmp(pki2.ask_der, pki.ask_der, pki.ask_len) == 0,
	   "same ARK and ASK");
	struct amd_vcek_ext ext;
	ok(amd_vcek_ext_parse(pki2.vcek_der, pki2.vcek_len, &ext, err, sizeof err) == 0 && ext.ucode_spl == 116 &&
		   memcmp(ext.hwid, chip, 64) == 0 && memcmp(pki2.vcek_priv, pki.vcek_priv, 48) != 0,
	   "VCEK re-issued (new key) for the new TCB and chip ID");
	snpsim_pki_wipe(&pki2);
	ok(snpsim_pki_open(copy, SNP_PRODUCT_MILAN, NULL, &newer, &pki2, NULL, err, sizeof err) == 0 &&
		   memcmp(pki2.id.chip_id, chip, 64) == 0,
	   "the new chip ID is stored");
	snpsim_pki_wipe(&pki2);

	ok(snpsim_pki_open(copy, SNP_PRODUCT_GENOA, NULL, &milan_tcb, &pki2, NULL, err, sizeof err) == -1 &&
		   strstr(err, "another product"),
	   "a Milan state directory is refused for Genoa");

	char path[400];
	snprintf(path, sizeof path, "%s/ask.pem", copy);
	run("cp '%s/ark.pem' '%s'", copy, path);
	ok(snpsim_pki_open(copy, SNP_PRODUCT_MILAN, NULL, &newer, &pki2, NULL, err, sizeof err) == -1 &&
		   strstr(err, "delete the directory"),
	   "damaged state directory refused (%s)", err);
	snprintf(path, sizeof path, "%s/ask.key", copy);
	unlink(path);
	ok(snpsim_pki_open(copy, SNP_PRODUCT_MILAN, NULL, &newer, &pki2, NULL, err, sizeof err) == -1 &&
		   strstr(err, "ask.key is missing"),
	   "missing key file named");
	ok(snpsim_pki_open("/proc/nope/x", SNP_PRODUCT_MILAN, NULL, &newer, &pki2, NULL, err, sizeof err) == -1 &&
		   strstr(err, "state directory /proc/nope/x"),
	   "uncreatable state directory named");
}

/* Genoa and Turin certificates from the cached RSA keys (no key generation). */
static void test_other_products(void)
{
	static br_hmac_drbg_context rng;
	ok(snpsim_rng_init(&rng, err, sizeof err) == 0, "rng");
	const enum snp_product products[2] = {SNP_PRODUCT_GENOA, SNP_PRODUCT_TURIN};
	for (int i = 0; i < 2; i++) {
		const char *name = snp_product_name(products[i]);
		memcpy(&pki2, &pki, sizeof pki2);
		snpsim_rsa_fix_pointers(&pki2.ark);
		snpsim_rsa_fix_pointers(&pki2.ask);
		pki2.id.product = products[i];
		pki2.id.tcb = (struct snp_tcb){.fmc = 2, .bootloader = 1, .tee = 1, .snp = 3, .microcode = 9,
					       .has_fmc = products[i] == SNP_PRODUCT_TURIN};
		if (products[i] == SNP_PRODUCT_TURIN)
			memset(pki2.id.chip_id + 8, 0, 56);
		int64_t now = time(NULL);
		int rc = snpsim_pki_issue_roots(&pki2, &rng, now, err, sizeof err) ||
			 snpsim_pki_issue_vcek(&pki2, &rng, now, err, sizeof err) ||
			 snpsim_pki_check(&pki2, now, err, sizeof err);
		ok(rc == 0, "%s: test chain issued and checked", name);
		if (rc)
			diag("%s", err);
		struct amd_vcek_ext ext;
		ok(amd_vcek_ext_parse(pki2.vcek_der, pki2.vcek_len, &ext, err, sizeof err) == 0 &&
			   strcmp(ext.product_name, snpsim_product_name(products[i])) == 0 &&
			   ext.hwid_len == (products[i] == SNP_PRODUCT_TURIN ? 8u : 64u) &&
			   (products[i] != SNP_PRODUCT_TURIN || ((ext.present & AMD_EXT_FMC_SPL) && ext.fmc_spl == 2)),
		   "%s: productName, hwID length%s", name, products[i] == SNP_PRODUCT_TURIN ? ", fmcSPL" : "");

		/* A Turin report is v3 with the Turin TCB layout and CPUID. */
		struct snpsim_launch l = {.product = products[i], .version = 3, .policy = 0x30000, .tcb = pki2.id.tcb,
					  .fw_major = 1, .fw_minor = 55};
		memcpy(l.chip_id, pki2.id.chip_id, 64);
		memset(l.measurement, 0x77, 48);
		memset(l.report_id, 1, 32);
		rc = snpsim_sp_init(&sp, &l, pki2.vcek_priv, pki2.ark_der, pki2.ark_len, pki2.ask_der, pki2.ask_len,
				    pki2.vcek_der, pki2.vcek_len, err, sizeof err) ||
		     snpsim_self_check(&sp, &l, &pki2, err, sizeof err);
		ok(rc == 0, "%s: v3 report passes the self-check", name);
		if (rc)
			diag("%s", err);
		snpsim_sp_wipe(&sp);
		snpsim_pki_wipe(&pki2);
	}
}

static void test_reports(void)
{
	ok(load_def("good", "console=ttyS0 loglevel=7", NULL) == 0, "definition loads");
	ok(setup_sp() == 0, "launch and signer set up");
	uint8_t want[48];
	hex_decode(want, 48, vector, 96);
	is_mem(launch.measurement, want, 48, "MEASUREMENT from the definition's files = vector 6d2878...");
	ok(snpsim_self_check(&sp, &launch, &pki, err, sizeof err) == 0, "self-check passes");

	uint8_t rd[64];
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)(0xa0 + i);
	struct snpsim_outcome out;
	size_t n = request(0, rd, &out);
	ok(out.status == SIM_OK && out.keep_open && out.decoded && n == SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + sp.certs_len,
	   "good request: report and certificate table (%zu bytes)", n);
	static struct snp_report r;
	int rc = client_verifies(rd, &r);
	ok(rc == 0, "served report verifies with the definition's policy (anchor, MEASUREMENT, REPORT_DATA)");
	ok(r.version == 2 && r.vmpl == 0 && r.policy == 0x30000 && r.signing_key == SNP_SIGNING_KEY_VCEK &&
		   r.signature_algo == 1,
	   "VERSION 2, VMPL 0, POLICY 0x30000, VCEK, ECDSA P-384");
	ok(memcmp(r.chip_id, pki.id.chip_id, 64) == 0 && r.reported_tcb[7] == 115 && r.reported_tcb[0] == 3 &&
		   memcmp(r.current_tcb, r.reported_tcb, 8) == 0 && memcmp(r.committed_tcb, r.reported_tcb, 8) == 0 &&
		   memcmp(r.launch_tcb, r.reported_tcb, 8) == 0,
	   "CHIP_ID and TCBs");
	ok(!bytes_all_zero(r.report_id, 32) && r.platform_info == 1 && r.current_major == 1 && r.current_minor == 55,
	   "REPORT_ID random, PLATFORM_INFO, firmware version");

	uint8_t other[64];
	memset(other, 0x11, sizeof other);
	ok(client_verifies(other, NULL) == -1 && failed_check("REPORT_DATA"), "another expected REPORT_DATA: refused");

	request(2, rd, &out);
	ok(out.status == SIM_OK, "VMPL 2 request served");
	ok(client_verifies(rd, &r) == -1 && r.vmpl == 2 && failed_check("VMPL"),
	   "VMPL from the request; refused, as the definition names no VMPL (0)");
	ok(load_def("vmpl2", "console=ttyS0 loglevel=7", "[expect]\nvmpl = 2\n") == 0 && client_verifies(rd, &r) == 0 &&
		   r.vmpl == 2,
	   "accepted by a definition naming vmpl = 2");
	ok(load_def("good", "console=ttyS0 loglevel=7", NULL) == 0, "back to the definition launched");

	/* The owner expects a different command line than the one launched. */
	ok(load_def("other-append", "console=ttyS0 loglevel=8", NULL) == 0, "definition with another append");
	request(0, rd, &out);
	ok(client_verifies(rd, NULL) == -1 && failed_check("MEASUREMENT"), "launched append != expected: MEASUREMENT refused");
	ok(setup_sp() == 0, "simulator launched with the other append");
	ok(memcmp(launch.measurement, want, 48) != 0, "MEASUREMENT changes with the append");
	request(0, rd, &out);
	ok(client_verifies(rd, NULL) == 0, "and verifies for the definition that names it");

	ok(load_def2("extras", "x",
		    "[policy]\nguest_policy = 0x130001\n[expect]\nhost_data = \"" "0101010101010101010101010101010101010101010101010101010101010101\"\n"
		    "family_id = \"000102030405060708090a0b0c0d0e0f\"\nvmpl = 1\nmin_guest_svn = 4\n"
		    "author_key_digest = \"" "0202020202020202020202020202020202020202020202020202020202020202"
		    "02020202020202020202020202020202\"\n"
		    "min_tcb = { bootloader = 3, snp = 8 }\n",
		    "guest_svn = 7\nreport_version = 3\nfirmware_version = \"1.55.31\"\n") == 0,
	   "definition with [expect] extras and [sim] settings");
	ok(setup_sp() == 0 && snpsim_self_check(&sp, &launch, &pki, err, sizeof err) == 0, "extras: launch and self-check");
	request(1, rd, &out);
	ok(client_verifies(rd, &r) == 0, "extras: report verifies");
	ok(r.version == 3 && r.cpuid_fam_id == 0x19 && r.policy == 0x130001 && r.host_data[0] == 1 &&
		   r.family_id[15] == 0x0f && r.guest_svn == 7 && r.author_key_en && r.author_key_digest[0] == 2 &&
		   r.committed_build == 31,
	   "v3 with CPUID, POLICY, HOST_DATA, FAMILY_ID, GUEST_SVN, AUTHOR_KEY_EN/DIGEST, firmware build");

	ok(load_def2("tampered", "console=ttyS0 loglevel=7", NULL,
		    "measurement = \"" "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff\"\n") == 0 &&
		   setup_sp() == 0,
	   "[sim] measurement pretends another launch");
	ok(snpsim_self_check(&sp, &launch, &pki, err, sizeof err) == 0, "self-check still passes (it checks the simulator)");
	request(0, rd, &out);
	ok(client_verifies(rd, NULL) == -1 && failed_check("MEASUREMENT"), "the client refuses it");
}

static void test_malformed(void)
{
	ok(load_def("good", "console=ttyS0 loglevel=7", NULL) == 0 && setup_sp() == 0, "simulator set up");
	struct snpsim_outcome out;
	struct sim_response_header h;
	const char *why;
	uint8_t req[SIM_REQUEST_LEN + 8], rd[64] = {0};
	struct sim_request r = {.vmpl = 0};
	sim_request_encode(req, &r);

	size_t n = snpsim_sp_handle(&sp, req, SIM_REQUEST_LEN - 1, resp, &out);
	uint8_t garbage[4] = {'X', 'N', 'P', 'Q'};
	ok(sim_response_header_decode(&h, resp, &why) == 0 && h.status == SIM_ERR_BAD_REQUEST && !out.keep_open &&
		   n == SIM_RESPONSE_HEADER_LEN + h.msg_len && strstr(out.msg, "99 bytes"),
	   "short request: error response, connection closed (%s)", out.msg);
	snpsim_sp_handle(&sp, req, SIM_REQUEST_LEN + 8, resp, &out);
	ok(out.status == SIM_ERR_BAD_REQUEST && !out.keep_open, "long request: error");
	snpsim_sp_handle(&sp, garbage, sizeof garbage, resp, &out);
	ok(sim_response_header_decode(&h, resp, &why) == 0 && h.status == SIM_ERR_BAD_REQUEST &&
		   strstr(out.msg, "SNPQ") && !out.decoded,
	   "bad magic after 4 bytes: error at once (%s)", out.msg);
	le32_store(req + 4, 1);
	snpsim_sp_handle(&sp, req, SIM_REQUEST_LEN, resp, &out);
	ok(out.status == SIM_ERR_BAD_REQUEST && strstr(out.msg, "version"), "unsupported version: error (%s)", out.msg);
	request(4, rd, &out);
	ok(sim_response_header_decode(&h, resp, &why) == 0 && h.status == SIM_ERR_VMPL && out.keep_open &&
		   h.report_len == 0 && h.certs_len == 0,
	   "VMPL 4: VMPL error, connection kept (%s)", out.msg);
	n = snpsim_sp_handle(&sp, NULL, 0, resp, &out);
	ok(out.status == SIM_ERR_BAD_REQUEST && n > SIM_RESPONSE_HEADER_LEN, "empty request: error");
	request(0, rd, &out);
	ok(out.status == SIM_OK && client_verifies(rd, NULL) == 0, "a good request afterwards is served");
}

/* ---- the simulated SVSM ------------------------------------------------------------------ */

/* A service request for GUID text (NULL: every service) and version. */
static size_t svsm_request(const char *guid, uint32_t version, const uint8_t nonce[64], struct snpsim_outcome *out)
{
	struct sim_request r = {.vmpl = 0, .service = SIM_SERVICE_SVSM, .manifest_version = version};
	uint8_t req[SIM_REQUEST_LEN];
	memcpy(r.report_data, nonce, 64);
	if (guid)
		(void)guid_parse(guid, r.service_guid);
	sim_request_encode(req, &r);
	return snpsim_sp_handle(&sp, req, sizeof req, resp, out);
}

static int load_svsm_def(const char *name, const char *svsm_keys)
{
	char extra[1024], sim_keys[256];
	snprintf(extra, sizeof extra,
		 "[expect]\nmeasurement = \"%s\"\n[svsm]\nimage = \"/dev/null\"\novmf_vars_size = 540672\n%s", vector,
		 svsm_keys);
	snprintf(sim_keys, sizeof sim_keys, "measurement = \"%s\"\n", vector);
	if (load_def2(name, "console=ttyS0", extra, sim_keys) != 0 || setup_sp() != 0)
		return -1;
	if (snpsim_sp_svsm_init(&sp, &def, &pki, err, sizeof err) != 0) {
		diag("%s", err);
		return -1;
	}
	return 0;
}

static void test_svsm(void)
{
	struct snpsim_outcome out;
	struct sim_response_header h;
	const char *why;
	uint8_t nonce[64], want[64], sha[32];
	static uint8_t manifest[SIM_MANIFEST_MAX];
	for (int i = 0; i < 64; i++)
		nonce[i] = (uint8_t)(0x5a ^ i);

	/* No SVSM: a service request is refused, plain VMPL 0 served. */
	ok(load_def("nosvsm", "console=ttyS0", NULL) == 0 && setup_sp() == 0 &&
		   snpsim_sp_svsm_init(&sp, &def, &pki, err, sizeof err) == 0,
	   "svsm: a definition without [svsm]");
	svsm_request(GUID_SVSM_VTPM, 0, nonce, &out);
	ok(out.status == SIM_ERR_SERVICE && out.keep_open && strstr(out.msg, "no [svsm] table"),
	   "svsm: no SVSM, service request refused (%s)", out.msg);
	request(0, nonce, &out);
	is_int(out.status, SIM_OK, "svsm: no SVSM, no floor: VMPL 0 served");

	/* [svsm] without attest_services: a floor, no services. */
	ok(load_svsm_def("svsm-plain", "") == 0, "svsm: [svsm] without attest_services");
	request(0, nonce, &out);
	ok(out.status == SIM_ERR_VMPL && strstr(out.msg, "floor 1"), "svsm: VMPL 0 below the floor refused (%s)", out.msg);
	request(1, nonce, &out);
	is_int(out.status, SIM_OK, "svsm: VMPL 1 served");
	svsm_request(GUID_SVSM_VTPM, 0, nonce, &out);
	ok(out.status == SIM_ERR_SERVICE && strstr(out.msg, "attest_services"), "svsm: no service attestation (%s)",
	   out.msg);

	/* The vTPM's service attestation. */
	ok(load_svsm_def("svsm", "attest_services = true\nservice_guid = \"" GUID_SVSM_VTPM "\"\n") == 0,
	   "svsm: [svsm] attest_services with the vTPM");
	size_t n = svsm_request(GUID_SVSM_VTPM, 0, nonce, &out);
	ok(out.status == SIM_OK && sim_response_header_decode(&h, resp, &why) == 0, "svsm: vTPM service attested (%s)",
	   out.msg);
	is_int(h.manifest_len, 122, "svsm: the manifest is a 122-byte TPMT_PUBLIC (ECC P-256)");
	is_int(n, SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + h.certs_len + h.manifest_len, "svsm: response length");
	const uint8_t *rep = resp + SIM_RESPONSE_HEADER_LEN;
	memcpy(manifest, rep + SIM_REPORT_LEN + h.certs_len, h.manifest_len);
	ok(memcmp(manifest, "\x00\x23\x00\x0b\x00\x03\x00\xb2\x00\x20", 10) == 0,
	   "svsm: TPMT_PUBLIC: ECC, SHA-256, EK attributes, 32-byte policy");
	snpsim_svsm_report_data(nonce, manifest, h.manifest_len, want);
	is_mem(rep + 0x50, want, 64, "svsm: REPORT_DATA = SHA-512(nonce || manifest)");
	is_int(le32_load(rep + 0x30), 0, "svsm: the report is the SVSM's, at VMPL 0");
	verify_manifest = manifest;
	verify_manifest_len = h.manifest_len;
	is_int(client_verifies(want, NULL), 0, "svsm: the verifier accepts it");
	verify_manifest = NULL;
	is_int(client_verifies(want, NULL), -1, "svsm: without the manifest in the evidence: refused");
	ok(res.n_failed && strcmp(res.failed[0].check, "SVSM manifest") == 0, "svsm: says the manifest is missing");

	uint8_t again[SIM_MANIFEST_MAX];
	size_t alen = snpsim_vtpm_ek_public(&pki, again, sizeof again, err, sizeof err);
	ok(alen == h.manifest_len && memcmp(again, manifest, alen) == 0, "svsm: the EK is the same for the same state");

	/* Pins: the right one passes, another is refused with expected vs got. */
	br_sha256_context hc;
	br_sha256_init(&hc);
	br_sha256_update(&hc, manifest, h.manifest_len);
	br_sha256_out(&hc, sha);
	char pin[65], keys[512];
	hex_encode(pin, sha, 32);
	snprintf(keys, sizeof keys, "attest_services = true\nservice_guid = \"" GUID_SVSM_VTPM "\"\nvtpm_ek_sha256 = \"%s\"\n",
		 pin);
	ok(load_svsm_def("svsm-pin", keys) == 0, "svsm: definition pinning the EK");
	svsm_request(GUID_SVSM_VTPM, 0, nonce, &out);
	verify_manifest = resp + SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + sp.certs_len;
	verify_manifest_len = sp.vtpm_manifest_len;
	is_int(client_verifies(want, NULL), 0, "svsm: the pinned EK accepted");
	pin[0] = pin[0] == '0' ? '1' : '0';
	snprintf(keys, sizeof keys, "attest_services = true\nservice_guid = \"" GUID_SVSM_VTPM "\"\nvtpm_ek_sha256 = \"%s\"\n",
		 pin);
	ok(load_svsm_def("svsm-pin2", keys) == 0, "svsm: definition pinning another EK");
	svsm_request(GUID_SVSM_VTPM, 0, nonce, &out);
	is_int(client_verifies(want, NULL), -1, "svsm: another EK refused");
	ok(res.n_failed && strcmp(res.failed[0].check, "vTPM EK SHA-256") == 0 && strstr(res.failed[0].expected, pin),
	   "svsm: expected is the pin, got the EK's (%s)", res.n_failed ? res.failed[0].got : "");
	verify_manifest = NULL;

	/* What the simulated SVSM refuses. */
	svsm_request(NULL, 0, nonce, &out);
	ok(out.status == SIM_ERR_SERVICE && strstr(out.msg, "single services"), "svsm: every service refused (%s)",
	   out.msg);
	svsm_request("00000000-0000-0000-0000-000000000001", 0, nonce, &out);
	ok(out.status == SIM_ERR_SERVICE && strstr(out.msg, "no service"), "svsm: unknown service refused (%s)", out.msg);
	svsm_request(GUID_SVSM_VTPM, 1, nonce, &out);
	ok(out.status == SIM_ERR_SERVICE && strstr(out.msg, "version 0"), "svsm: manifest version 1 refused (%s)",
	   out.msg);

	/* The test fault: the manifest sent is not the one the report binds. */
	sp.tamper_manifest = 1;
	svsm_request(GUID_SVSM_VTPM, 0, nonce, &out);
	ok(sim_response_header_decode(&h, resp, &why) == 0 && h.status == SIM_OK, "svsm: tampering simulator answers");
	snpsim_svsm_report_data(nonce, resp + SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + h.certs_len, h.manifest_len,
				want);
	ok(memcmp(resp + SIM_RESPONSE_HEADER_LEN + 0x50, want, 64) != 0,
	   "svsm: with the fault, REPORT_DATA does not bind the manifest sent");
	sp.tamper_manifest = 0;
}

/* ---- the socket server in a child process --------------------------------------------- */

static int connect_to(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (int i = 0; i < 100 && fd >= 0; i++) {
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
			return fd;
		usleep(20000);
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static int read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Reads one response into resp; returns its status, or -1. */
static int read_response(int fd)
{
	struct sim_response_header h;
	const char *why;
	if (read_full(fd, resp, SIM_RESPONSE_HEADER_LEN) || sim_response_header_decode(&h, resp, &why) ||
	    read_full(fd, resp + SIM_RESPONSE_HEADER_LEN, h.report_len + h.certs_len + h.msg_len))
		return -1;
	return (int)h.status;
}

static int send_request(int fd, uint32_t vmpl, const uint8_t rd[64])
{
	struct sim_request r = {.vmpl = vmpl};
	uint8_t req[SIM_REQUEST_LEN];
	memcpy(r.report_data, rd, 64);
	sim_request_encode(req, &r);
	return write(fd, req, sizeof req) == (ssize_t)sizeof req ? 0 : -1;
}

static volatile sig_atomic_t child_stop;
static void on_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

static void test_server(void)
{
	char sock[300];
	snprintf(sock, sizeof sock, "%s/sim.sock", tmpdir);
	ok(load_def("good", "console=ttyS0 loglevel=7", NULL) == 0 && setup_sp() == 0, "simulator set up");
	int lfd = snpsim_listen_unix(sock, err, sizeof err);
	ok(lfd >= 0, "listening on %s", sock);
	ok(snpsim_listen_unix(sock, err, sizeof err) == -1 && strstr(err, "another process"),
	   "a second simulator on the same socket is refused");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_term};
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		FILE *log = fopen("/dev/null", "w");
		struct snpsim_serve_opts o = {.timeout_ms = 500, .stop = &child_stop, .log = log};
		long sent = snpsim_serve(lfd, &sp, &o);
		_exit(sent == 4 ? 0 : 10 + (int)(sent < 0 ? 9 : sent));
	}
	close(lfd);
	uint8_t rd[64];
	memset(rd, 0x5c, sizeof rd);

	int fd = connect_to(sock);
	ok(fd >= 0 && send_request(fd, 0, rd) == 0 && read_response(fd) == SIM_OK && client_verifies(rd, NULL) == 0,
	   "socket: report served and verified");
	ok(send_request(fd, 7, rd) == 0 && read_response(fd) == SIM_ERR_VMPL, "socket: VMPL 7 refused");
	ok(send_request(fd, 1, rd) == 0 && read_response(fd) == SIM_OK, "socket: same connection still served");
	ok(write(fd, "GARBAGE GARBAGE", 15) == 15 && read_response(fd) == SIM_ERR_BAD_REQUEST,
	   "socket: garbage gets an error response");
	uint8_t b;
	ok(read(fd, &b, 1) <= 0, "socket: and the connection is closed");
	close(fd);

	fd = connect_to(sock);
	ok(fd >= 0 && write(fd, "SNPQ\1\0", 6) == 6, "socket: half a request, then hang up");
	close(fd);

	fd = connect_to(sock);
	ok(fd >= 0 && write(fd, "SNPQ", 4) == 4, "socket: a request that stalls");
	ok(read(fd, &b, 1) <= 0, "socket: stalled request dropped after the timeout");
	close(fd);

	fd = connect_to(sock);
	usleep(700000); /* idle longer than the request timeout: must not be dropped */
	ok(fd >= 0 && send_request(fd, 0, rd) == 0 && read_response(fd) == SIM_OK, "socket: idle connection kept, then served");
	close(fd);

	fd = connect_to(sock);
	ok(fd >= 0 && send_request(fd, 3, rd) == 0 && read_response(fd) == SIM_OK,
	   "socket: still serving after every malformed request");
	close(fd);

	kill(pid, SIGTERM);
	int status = 0;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM: clean exit after 4 reports (status %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Reads dir/crl.der into buf; its length, or 0. */
static size_t read_crl(const char *dir, uint8_t *buf, size_t cap)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/crl.der", dir);
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

/* The test ARK's CRL: issued fresh, left alone while current, re-issued when
 * stale, and a revoked VCEK or ASK refused by the chain check. */
static void test_crl(void)
{
	static uint8_t crl[SNPSIM_CERT_MAX], again[SNPSIM_CERT_MAX];
	struct x509_crl parsed;
	struct amd_chain_result cr;
	size_t n = read_crl(cache, crl, sizeof crl);
	int64_t now = (int64_t)time(NULL);
	ok(n && x509_crl_parse(&parsed, crl, n, err, sizeof err) == 0 && parsed.has_next_update &&
		   parsed.next_update > now + 24 * 3600 && parsed.this_update <= now,
	   "crl.der parses, current, with a nextUpdate");
	struct amd_certs certs = {.ark = pki.ark_der, .ark_len = pki.ark_len, .ask = pki.ask_der, .ask_len = pki.ask_len,
				  .vcek = pki.vcek_der, .vcek_len = pki.vcek_len, .crl = crl, .crl_len = n};
	struct amd_chain_opts o = {.anchor = pki.ark_der, .anchor_len = pki.ark_len, .now = time(NULL), .require_crl = 1};
	ok(amd_chain_verify(&certs, &o, &cr, err, sizeof err) == 0 && cr.crl_checked, "chain with the CRL: consulted, passes");
	ok(snpsim_pki_crl(cache, &pki, SNPSIM_REVOKE_NONE, NULL, NULL, err, sizeof err) == 0 &&
		   read_crl(cache, again, sizeof again) == n && memcmp(crl, again, n) == 0,
	   "a current CRL is left alone");

	char copy[300], serial[2 * SNPSIM_SERIAL_MAX + 1], want[300];
	snprintf(copy, sizeof copy, "%s/crl-vcek", tmpdir);
	run("cp -a '%s' '%s'", cache, copy);
	ok(snpsim_pki_crl(copy, &pki, SNPSIM_REVOKE_VCEK, serial, NULL, err, sizeof err) == 0, "VCEK revoked");
	certs.crl_len = read_crl(copy, crl, sizeof crl);
	snprintf(want, sizeof want, "VCEK serial %s: revoked by the ARK's CRL", serial);
	ok(amd_chain_verify(&certs, &o, &cr, err, sizeof err) == -1 && strstr(err, want),
	   "revoked VCEK refused: %s", err);
	ok(x509_crl_parse(&parsed, crl, certs.crl_len, err, sizeof err) == 0 && parsed.n_revoked == 1,
	   "the CRL lists one serial");

	snprintf(copy, sizeof copy, "%s/crl-ask", tmpdir);
	run("cp -a '%s' '%s'", cache, copy);
	ok(snpsim_pki_crl(copy, &pki, SNPSIM_REVOKE_ASK, serial, NULL, err, sizeof err) == 0, "ASK revoked");
	certs.crl_len = read_crl(copy, crl, sizeof crl);
	snprintf(want, sizeof want, "ASK serial %s: revoked by the ARK's CRL", serial);
	ok(amd_chain_verify(&certs, &o, &cr, err, sizeof err) == -1 && strstr(err, want), "revoked ASK refused: %s", err);
	ok(snpsim_pki_crl(copy, &pki, SNPSIM_REVOKE_VCEK, serial, NULL, err, sizeof err) == 0 &&
		   (certs.crl_len = read_crl(copy, crl, sizeof crl)) &&
		   x509_crl_parse(&parsed, crl, certs.crl_len, err, sizeof err) == 0 && parsed.n_revoked == 2,
	   "revoking the VCEK too keeps the ASK listed: 2 serials");

	/* A stale CRL: refused by the chain check, re-issued by the simulator. */
	static br_hmac_drbg_context rng;
	size_t len;
	snprintf(copy, sizeof copy, "%s/crl-stale", tmpdir);
	run("cp -a '%s' '%s'", cache, copy);
	char path[400];
	snprintf(path, sizeof path, "%s/crl.der", copy);
	int built = snpsim_rng_init(&rng, err, sizeof err) == 0 &&
		    snpsim_crl_build(crl, sizeof crl, &len, SNP_PRODUCT_MILAN, &pki.ark.sk, NULL, 0, now - 10 * 86400,
				     now - 3 * 86400, &rng, err, sizeof err) == 0;
	FILE *f = built ? fopen(path, "wb") : NULL;
	ok(f && fwrite(crl, 1, len, f) == len && fclose(f) == 0, "a CRL past its nextUpdate written");
	certs.crl_len = len;
	ok(amd_chain_verify(&certs, &o, &cr, err, sizeof err) == -1 && strstr(err, "CRL: stale: now") &&
		   strstr(err, "is after nextUpdate"),
	   "stale CRL refused: %s", err);
	ok(snpsim_pki_crl(copy, &pki, SNPSIM_REVOKE_NONE, NULL, NULL, err, sizeof err) == 0 &&
		   (certs.crl_len = read_crl(copy, crl, sizeof crl)) &&
		   amd_chain_verify(&certs, &o, &cr, err, sizeof err) == 0,
	   "snp-sim re-issues a stale CRL: the chain passes again");
}

/* REPORT_ID: the same in every report of a launch, another for the next launch. */
static void test_report_id(void)
{
	uint8_t rd[64] = {1}, first[32];
	struct snpsim_outcome out;
	ok(load_def("rid", "console=ttyS0 loglevel=7", NULL) == 0 && setup_sp() == 0, "a launch");
	request(0, rd, &out);
	memcpy(first, resp + SIM_RESPONSE_HEADER_LEN + 0x140, 32);
	rd[0] = 2;
	request(0, rd, &out);
	ok(!bytes_all_zero(first, 32) && memcmp(first, resp + SIM_RESPONSE_HEADER_LEN + 0x140, 32) == 0,
	   "two reports of one launch: the same REPORT_ID");
	ok(setup_sp() == 0, "another launch");
	request(0, rd, &out);
	ok(memcmp(first, resp + SIM_RESPONSE_HEADER_LEN + 0x140, 32) != 0, "another launch: another REPORT_ID");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmpdir, sizeof tmpdir, "%s/test_snp_sim.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/testvectors/measurement/ovmf_AmdSev_suffix.bin", shared_dir());
	if (!realpath(p, ovmf)) {
		perror(p);
		return 1;
	}
	const char *env_build = getenv("BUILD");
	const char *build = env_build ? env_build : "build";
	snprintf(p, sizeof p, "%s/test", build);
	int usable = (mkdir(build, 0755) == 0 || errno == EEXIST) && (mkdir(p, 0755) == 0 || errno == EEXIST);
	if (!usable) /* no build tree: a per-run PKI */
		snprintf(p, sizeof p, "%s", tmpdir);
	if (!realpath(p, cache)) {
		perror(p);
		return 1;
	}
	strncat(cache, "/snpsim-pki", sizeof cache - strlen(cache) - 1);

	test_pki();
	test_pki_changes();
	test_other_products();
	test_crl();
	test_reports();
	test_report_id();
	test_malformed();
	test_svsm();
	test_server();

	snpsim_pki_wipe(&pki);
	snpsim_sp_wipe(&sp);
	run("rm -rf '%s'%s", tmpdir, "");
	return done_testing();
}
