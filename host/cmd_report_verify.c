/* snpboot report verify: the client's verification of an attestation
 * report, from the command line. Every failed check is printed with what
 * was expected and what the report holds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snp/amd_certdir.h"
#include "base/bytes.h"
#include "cli/cli_opt.h"
#include "cmd_report.h"
#include "commands.h"
#include "vmdef/vmdef.h"
#include "cli/file_io.h"
#include "snp/snp_verify.h"

#define PROG REPORT_PROG " verify"
#define CERT_TABLE_MAX (1u << 20)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: snpboot report verify FILE (--certs DIR | --cert-table FILE)\n"
		"                             [--trust-anchor ARK] [--product milan|genoa|turin]\n"
		"                             [--measurement HEX|any] [--report-data HEX|any]\n"
		"                             [--host-data HEX] [--allow-debug] [--now SECONDS] [--json]\n"
		"       snpboot report verify FILE --vm-definition vm.toml --report-data HEX|any\n"
		"                             [--certs DIR | --cert-table FILE] [--now SECONDS] [--json]\n"
		"\n"
		"Verifies an SEV-SNP attestation report: report format; certificate chain\n"
		"(pinned AMD root of the product, ASK, VCEK or VLEK, RSA-PSS, validity);\n"
		"VCEK TCB and hardware ID against the report; the report signature; guest\n"
		"policy (debug off unless allowed, no migration agent); the expected values;\n"
		"TCB consistency; REPORT_DATA.\n"
		"\n"
		"  --certs DIR          ark.pem/ask.pem or cert_chain.pem (KDS), vcek.der or\n"
		"                       vlek.der, optional crl.der (PEM or DER each)\n"
		"  --cert-table FILE    the certificate table of an extended report\n"
		"                       (configfs-tsm auxblob) instead of --certs\n"
		"  --trust-anchor ARK   trust this root certificate (PEM or DER) instead of\n"
		"                       AMD's pinned roots, e.g. a simulated platform's test root\n"
		"  --product P          expected processor generation (default: the VCEK's)\n"
		"  --measurement HEX    expected MEASUREMENT (96 hex digits). Mandatory: 'any'\n"
		"                       skips the check, and the output says it was skipped\n"
		"  --report-data HEX    expected REPORT_DATA (128 hex digits). Mandatory, 'any'\n"
		"                       skips it (then nothing ties the report to a session)\n"
		"  --host-data HEX      expected HOST_DATA (64 hex digits)\n"
		"  --allow-debug        accept POLICY.DEBUG = 1\n"
		"  --vm-definition F    take the trust anchor, product, policy and every expected\n"
		"                       value (MEASUREMENT computed from its artifacts) from a VM\n"
		"                       definition, as the client does; certificates default to\n"
		"                       its [platform] certs. Its rules apply: expect.min_tcb\n"
		"                       is required unless simulated = true; the ARK's CRL is\n"
		"                       required unless check_crl = false (crl.der in --certs\n"
		"                       DIR; a simulated definition's from snp-sim's state\n"
		"                       directory); VMPL must be 0 unless expect.vmpl names another\n"
		"  --now SECONDS        check certificate validity at this Unix time (default: now)\n"
		"  --json               print the verdict, every check and the report as JSON\n"
		"\n"
		"Output: the checks that passed on stdout; when refused, every failed check\n"
		"with expected and actual value on stderr (with --json, all of it on stdout).\n"
		"Exit status: 0 verified, 1 refused, 2 usage, 3 unreadable or malformed input.\n");
}

struct verify_args {
	const char *file, *certs, *cert_table, *anchor, *product, *measurement, *report_data, *host_data, *now;
	const char *vmdef;
	int allow_debug, json;
};

static int parse_args(struct verify_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	const struct {
		const char *name;
		const char **slot;
	} opts[] = {
		{"--certs", &a->certs},
		{"--cert-table", &a->cert_table},
		{"--trust-anchor", &a->anchor},
		{"--product", &a->product},
		{"--measurement", &a->measurement},
		{"--report-data", &a->report_data},
		{"--host-data", &a->host_data},
		{"--now", &a->now},
		{"--vm-definition", &a->vmdef},
	};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--allow-debug") == 0) {
			a->allow_debug = 1;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0) {
			a->json = 1;
			continue;
		}
		int matched = 0, missing = 0;
		for (size_t j = 0; j < sizeof opts / sizeof opts[0] && !matched; j++) {
			const char *v = cli_opt_value(argc, argv, &i, opts[j].name, &missing);
			if (missing) {
				fprintf(stderr, PROG ": %s needs a value\n", opts[j].name);
				return -1;
			}
			if (v) {
				if (*opts[j].slot) {
					fprintf(stderr, PROG ": %s given twice\n", opts[j].name);
					return -1;
				}
				*opts[j].slot = v;
				matched = 1;
			}
		}
		if (matched)
			continue;
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, PROG ": unknown option '%s' (see --help)\n", argv[i]);
			return -1;
		}
		if (a->file) {
			fprintf(stderr, PROG ": one report file only ('%s' and '%s')\n", a->file, argv[i]);
			return -1;
		}
		a->file = argv[i];
	}
	if (a->vmdef && (a->anchor || a->product || a->measurement || a->host_data || a->allow_debug)) {
		fprintf(stderr, PROG ": --vm-definition sets the anchor, product, measurement, host data and policy; "
				"do not give them too\n");
		return -1;
	}
	if (a->vmdef && !a->report_data) {
		fprintf(stderr, PROG ": with --vm-definition, --report-data HEX|any is required (a stored report's "
				"binding belongs to a session this command did not see)\n");
		return -1;
	}
	/* With a definition, its [platform] certs may stand in for both options. */
	if (!a->file || (a->certs && a->cert_table) || (!a->vmdef && !a->certs && !a->cert_table)) {
		fprintf(stderr, PROG ": need FILE and exactly one of --certs DIR or --cert-table FILE (see --help)\n");
		return -1;
	}
	return 0;
}

/* HEX of exactly n bytes, or "any" when allowed. Returns 1 if a value was set, 0 for any, -1 bad. */
static int parse_hex_opt(const char *opt, const char *s, uint8_t *out, size_t n, int any_ok)
{
	if (any_ok && strcmp(s, "any") == 0)
		return 0;
	if (hex_decode(out, n, s, strlen(s)) != 0) {
		fprintf(stderr, PROG ": %s: expected %zu hex digits%s, got '%s'\n", opt, 2 * n, any_ok ? " or 'any'" : "",
			s);
		return -1;
	}
	return 1;
}

static int build_policy(const struct verify_args *a, struct snp_verify_policy *p)
{
	memset(p, 0, sizeof *p);
	p->now = time(NULL);
	p->allow_debug = a->allow_debug;
	if (a->product && report_parse_product(a->product, &p->product))
		return -1;
	if (a->now) {
		char *end;
		errno = 0;
		long long t = strtoll(a->now, &end, 10);
		if (errno || *end || !*a->now || t < 0) {
			fprintf(stderr, PROG ": --now: expected Unix seconds, got '%s'\n", a->now);
			return -1;
		}
		p->now = (time_t)t;
	}
	int rc;
	if (a->measurement) {
		if ((rc = parse_hex_opt("--measurement", a->measurement, p->measurement, 48, 1)) < 0)
			return -1;
		p->has_measurement = rc;
		p->waive |= rc ? 0 : SNP_WAIVE_MEASUREMENT;
	}
	if (a->report_data) {
		if ((rc = parse_hex_opt("--report-data", a->report_data, p->report_data, 64, 1)) < 0)
			return -1;
		p->has_report_data = rc;
		p->waive |= rc ? 0 : SNP_WAIVE_REPORT_DATA;
	}
	if (a->host_data) {
		if (parse_hex_opt("--host-data", a->host_data, p->host_data, 32, 0) < 0)
			return -1;
		p->has_host_data = 1;
	}
	return 0;
}

static void print_json_entries(const char *key, const struct snp_verify_entry *e, size_t n)
{
	printf(",\n\"%s\": [", key);
	for (size_t i = 0; i < n; i++) {
		printf("%s\n  {\"check\": ", i ? "," : "");
		report_json_string(stdout, e[i].check);
		printf(", \"expected\": ");
		report_json_string(stdout, e[i].expected);
		printf(", \"got\": ");
		report_json_string(stdout, e[i].got);
		printf("}");
	}
	printf("%s]", n ? "\n" : "");
}

static void print_json(const struct snp_verify_result *res, const struct snp_report *r, int parsed)
{
	printf("{\"ok\": %s, \"product\": \"%s\", \"stopped\": %s, \"truncated\": %s", res->ok ? "true" : "false",
	       snp_product_name(res->product), res->stopped ? "true" : "false", res->truncated ? "true" : "false");
	print_json_entries("failed", res->failed, res->n_failed);
	print_json_entries("passed", res->passed, res->n_passed);
	printf(",\n\"report\": ");
	if (parsed)
		snp_report_print_json(stdout, r);
	else
		printf("null\n");
	printf("}\n");
}

static void print_text(const struct snp_verify_result *res)
{
	for (size_t i = 0; i < res->n_passed; i++) {
		const struct snp_verify_entry *e = &res->passed[i];
		if (strcmp(e->expected, e->got) == 0)
			printf("  ok    %s: %s\n", e->check, e->got);
		else
			printf("  ok    %s: %s [expected %s]\n", e->check, e->got, e->expected);
	}
	if (res->ok) {
		printf("report verified (%s): %zu checks passed\n", snp_product_name(res->product), res->n_passed);
		return;
	}
	fprintf(stderr, PROG ": REFUSED: %zu check%s failed%s%s\n", res->n_failed, res->n_failed == 1 ? "" : "s",
		res->stopped ? " (later checks not possible)" : "", res->truncated ? " (list truncated)" : "");
	for (size_t i = 0; i < res->n_failed; i++)
		fprintf(stderr, "  FAIL  %s: expected %s, got %s\n", res->failed[i].check, res->failed[i].expected,
			res->failed[i].got);
}

/* Loads the certificate set; the buffers stay with the caller until exit. */
static int load_certs(const struct verify_args *a, struct amd_certdir *cd, char **table_buf, struct amd_certs *certs)
{
	char err[256];
	if (a->certs) {
		if (amd_certdir_load(a->certs, cd, err, sizeof err)) {
			fprintf(stderr, PROG ": %s\n", err);
			return -1;
		}
		*certs = cd->certs;
		return 0;
	}
	size_t len;
	*table_buf = file_read_all(PROG, a->cert_table, CERT_TABLE_MAX, &len);
	if (!*table_buf)
		return -1;
	static struct snp_certtable t;
	if (snp_certtable_parse(&t, (const uint8_t *)*table_buf, len, err, sizeof err) ||
	    snp_certs_from_table(&t, certs, err, sizeof err)) {
		fprintf(stderr, PROG ": %s: %s\n", a->cert_table, err);
		return -1;
	}
	return 0;
}

int cmd_report_verify(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
	struct verify_args a;
	static struct snp_verify_policy pol;
	if (parse_args(&a, argc, argv) || build_policy(&a, &pol))
		return EXIT_USAGE;
	static struct vmdef def;
	if (a.vmdef) {
		static struct snp_verify_policy from_def;
		char derr[VMDEF_ERR_LEN];
		if (vmdef_load(a.vmdef, &def, derr, sizeof derr) ||
		    vmdef_to_policy(&def, &from_def, pol.report_data, derr, sizeof derr)) {
			fprintf(stderr, PROG ": %s\n", derr);
			return EXIT_INPUT;
		}
		vmdef_warn_if_simulated(stderr, PROG, &def);
		if (!def.check_crl)
			fprintf(stderr, PROG ": " VMDEF_NO_CRL_WARNING " (%s)\n", def.file);
		/* The session binding is the command line's; everything else the definition's. */
		from_def.now = pol.now;
		from_def.has_report_data = pol.has_report_data;
		from_def.waive = (from_def.waive & ~SNP_WAIVE_REPORT_DATA) | (pol.waive & SNP_WAIVE_REPORT_DATA);
		pol = from_def;
		if (!a.certs && !a.cert_table) {
			if (!def.certs[0]) {
				fprintf(stderr, PROG ": give --certs or --cert-table, or [platform] certs in %s\n", a.vmdef);
				return EXIT_USAGE;
			}
			a.certs = def.certs;
		}
	}

	int rc = EXIT_INPUT;
	struct amd_certdir cd = {0};
	char *table_buf = NULL, *report = NULL, err[256];
	uint8_t *anchor = NULL;
	size_t anchor_len = 0, report_len = 0;
	struct amd_certs certs;
	if (a.anchor && !a.vmdef) {
		if (amd_certdir_read_cert(a.anchor, &anchor, &anchor_len, err, sizeof err)) {
			fprintf(stderr, PROG ": --trust-anchor: %s\n", err);
			goto out;
		}
		pol.trust_anchor = anchor;
		pol.trust_anchor_len = anchor_len;
		fprintf(stderr, PROG ": trusting the explicit root %s, not AMD's pinned roots\n", a.anchor);
	}
	if (load_certs(&a, &cd, &table_buf, &certs))
		goto out;
	uint8_t *crl = NULL;
	if (a.vmdef && !def.check_crl) {
		certs.crl = NULL; /* the definition's explicit opt-out, said above */
		certs.crl_len = 0;
	} else if (a.vmdef && pol.require_crl && !certs.crl) {
		/* Revocation is required: a simulated definition's CRL is snp-sim's;
		 * for AMD's, this offline command needs one beside the certificates. */
		char where[2 * VMDEF_PATH_MAX + 32], why[512];
		size_t crl_len = 0;
		int r = def.simulated ? vmdef_sim_crl(&def, &crl, &crl_len, where, sizeof where, why, sizeof why) : 1;
		if (r == 0) {
			certs.crl = crl;
			certs.crl_len = crl_len;
			fprintf(stderr, PROG ": CRL from %s\n", where);
		} else if (r < 0) {
			fprintf(stderr, PROG ": no CRL: %s\n", why);
		} else if (def.simulated) {
			fprintf(stderr, PROG ": no CRL: none in %s (snp-sim issues crl.der in its state directory)\n", where);
		} else {
			fprintf(stderr, PROG ": no CRL: give --certs DIR holding crl.der (`snpboot kds-fetch` keeps the "
					"product's CRL in its cache), or say [platform] check_crl = false\n");
		}
	}
	report = file_read_all(PROG, a.file, REPORT_FILE_MAX, &report_len);
	if (!report)
		goto out;

	static struct snp_verify_result res;
	static struct snp_report parsed;
	int verdict = snp_verify_report((const uint8_t *)report, report_len, &certs, &pol, &res, &parsed);
	int shape_failed = res.stopped && res.n_failed && strcmp(res.failed[0].check, "report format") == 0;
	if (a.json)
		print_json(&res, &parsed, !shape_failed);
	else
		print_text(&res);
	rc = verdict == 0 ? EXIT_OK : shape_failed ? EXIT_INPUT : EXIT_FAILURE_GENERIC;
	if (fflush(stdout) != 0)
		rc = EXIT_FAILURE_GENERIC;
	free(crl);
out:
	free(report);
	free(table_buf);
	free(anchor);
	amd_certdir_free(&cd);
	return rc;
}
