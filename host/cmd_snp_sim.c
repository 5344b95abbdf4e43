/* snpboot snp-sim: the simulated AMD Secure Processor for VMs without SNP
 * hardware. Signs real-format attestation reports with a TEST VCEK under a
 * TEST ARK/ASK it keeps in a state directory, and serves them to the
 * guest's sim provider over a unix socket that QEMU's virtio-serial port
 * connects to. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/bytes.h"
#include "commands.h"
#include "sim/snpsim.h"
#include "simserve/snpsim_fault.h"
#include "simserve/snpsim_serve.h"
#include "vmdef/vmdef.h"

#define PROG "snpboot snp-sim"

static const char banner[] =
	"snp-sim: ****************************************************************************\n"
	"snp-sim: SIMULATED SNP PLATFORM - TEST KEYS - PROVES NOTHING ABOUT REAL HARDWARE\n"
	"snp-sim: reports are signed by a test VCEK under a test root that this program made;\n"
	"snp-sim: the host (anyone running this) can sign anything. Use it only for testing.\n"
	"snp-sim: ****************************************************************************\n";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: snpboot snp-sim --vm-definition VM.TOML (--socket PATH | --print-anchor | --revoke vcek|ask)\n"
		"                       [--state-dir DIR] [--once] [--timeout-s N] [--fault NAME]\n"
		"                       [--report-id-per-request]\n"
		"\n"
		"Plays the AMD Secure Processor for a VM launched without SNP hardware: the\n"
		"guest's sim attestation provider sends REPORT_DATA over a virtio-serial port,\n"
		"snp-sim answers with an SNP report in the real binary format and the\n"
		"certificate table (ARK, ASK, VCEK). MEASUREMENT is computed from the\n"
		"definition's OVMF, kernel, initrd, command line, vCPUs and VMM, so changing\n"
		"any of them changes it. The keys are TEST keys: the client accepts these\n"
		"reports only when the definition names the test root as its trust anchor\n"
		"with [platform] simulated = true.\n"
		"\n"
		"  --vm-definition F  the VM definition (its [sim] table; see lib/vmdef.h)\n"
		"  --socket PATH      listen on this unix socket. QEMU connects to it with\n"
		"                       -chardev socket,id=snpsim,path=PATH,reconnect=1\n"
		"                       -device virtio-serial-pci\n"
		"                       -device virtserialport,chardev=snpsim,name=org.snpboot.sim\n"
		"                     (QEMU >= 9.2: reconnect-ms=1000 instead of reconnect=1)\n"
		"  --state-dir DIR    where the test PKI lives (default: [sim] state_dir). It is\n"
		"                     created on first use (RSA-4096 keys: a few seconds each)\n"
		"                     and holds ark.pem, the trust anchor to name in the definition\n"
		"  --print-anchor     create or load the test PKI, print the path of the test\n"
		"                     root (ark.pem) and exit\n"
		"  --revoke vcek|ask  add the current test VCEK's (or ASK's) serial to the test\n"
		"                     ARK's CRL (crl.der in the state directory), print it and exit;\n"
		"                     clients consulting that CRL then refuse the chain\n"
		"  --once             exit after the first report is sent\n"
		"  --timeout-s N      a started request must arrive, and its response be taken,\n"
		"                     within N seconds (default 10); idle connections may wait\n"
		"  --fault NAME       a deliberately wrong platform, for tests (announced on every run):\n"
		"                       vcek-other-chip  the VCEK certificate names another CHIP_ID\n"
		"                       vcek-other-tcb   the VCEK certificate names another TCB\n"
		"                       no-cert-table    reports come without the certificate table\n"
		"                       svsm-manifest-mismatch  the simulated SVSM sends another manifest\n"
		"                                        than its report binds (needs [svsm] attest_services)\n"
		"  --report-id-per-request\n"
		"                     BENCHMARKS ONLY, NOT FIRMWARE BEHAVIOUR: every report gets a\n"
		"                     REPORT_ID of its own, SHA-256(launch REPORT_ID || REPORT_DATA),\n"
		"                     so many fake guests can each pass a broker's one-release-per-\n"
		"                     REPORT_ID rule (bench/broker_load.c); announced on every run\n"
		"\n"
		"Every run (re)issues the test ARK's CRL, crl.der in the state directory, when it\n"
		"is missing or has less than a day left (valid 7 days); a definition naming the\n"
		"state directory as [platform] certs, or the client reading [sim] state_dir,\n"
		"consults it. Each run is one launch: every report it signs carries the same\n"
		"random REPORT_ID, as the firmware's do (unless --report-id-per-request).\n"
		"Before serving, one report is verified as a client would (test root as the\n"
		"explicit anchor); snp-sim refuses to serve if that fails. SIGTERM/SIGINT stop it\n"
		"cleanly, wiping the keys from memory.\n"
		"Exit status: 0 ok, 1 self-check or serving failed, 2 usage, 3 bad definition or state.\n");
}

struct sim_args {
	const char *def, *socket, *state_dir, *timeout, *fault_name, *revoke_name;
	int once, print_anchor, report_id_per_request;
	enum snpsim_revoke revoke;
	enum snpsim_fault fault;
};

static int parse_args(struct sim_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char **slot = strcmp(arg, "--vm-definition") == 0 ? &a->def
				    : strcmp(arg, "--socket") == 0      ? &a->socket
				    : strcmp(arg, "--state-dir") == 0   ? &a->state_dir
				    : strcmp(arg, "--timeout-s") == 0   ? &a->timeout
				    : strcmp(arg, "--fault") == 0       ? &a->fault_name
				    : strcmp(arg, "--revoke") == 0      ? &a->revoke_name
									: NULL;
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, PROG ": %s needs a value\n", arg);
				return -1;
			}
			if (*slot) {
				fprintf(stderr, PROG ": %s given twice\n", arg);
				return -1;
			}
			*slot = argv[++i];
		} else if (strcmp(arg, "--once") == 0) {
			a->once = 1;
		} else if (strcmp(arg, "--print-anchor") == 0) {
			a->print_anchor = 1;
		} else if (strcmp(arg, "--report-id-per-request") == 0) {
			a->report_id_per_request = 1;
		} else {
			fprintf(stderr, PROG ": unknown argument '%s' (see --help)\n", arg);
			return -1;
		}
	}
	if (a->fault_name && snpsim_fault_parse(a->fault_name, &a->fault) != 0) {
		fprintf(stderr, PROG ": --fault: unknown fault '%s' (see --help)\n", a->fault_name);
		return -1;
	}
	if (a->revoke_name) {
		if (strcmp(a->revoke_name, "vcek") == 0)
			a->revoke = SNPSIM_REVOKE_VCEK;
		else if (strcmp(a->revoke_name, "ask") == 0)
			a->revoke = SNPSIM_REVOKE_ASK;
		else {
			fprintf(stderr, PROG ": --revoke: expected vcek or ask, got '%s'\n", a->revoke_name);
			return -1;
		}
	}
	if (!a->def) {
		fprintf(stderr, PROG ": --vm-definition is required (see --help)\n");
		return -1;
	}
	if (!a->socket && !a->print_anchor && !a->revoke) {
		fprintf(stderr, PROG ": --socket PATH (or --print-anchor, --revoke) is required (see --help)\n");
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Would a client holding this definition accept our reports? Only a warning:
 * tests deliberately run mismatching definitions. */
static void client_view(struct vmdef *def, const struct snpsim_sp *sp, const struct snpsim_pki *pki)
{
	static struct snp_verify_policy pol;
	static struct snp_verify_result res;
	static struct snp_certtable table;
	static uint8_t report[SNP_REPORT_SIZE];
	char err[VMDEF_ERR_LEN];
	uint8_t rd[64] = {0};
	struct amd_certs certs;

	if (!def->trust_anchor[0] || !def->simulated) {
		fprintf(stderr, PROG ": WARNING: %s does not trust this test root ([platform] trust_anchor = \"%s/ark.pem\" "
				"and simulated = true): its client will refuse these reports\n",
			def->file, def->sim.state_dir);
		return;
	}
	if (vmdef_to_policy(def, &pol, rd, err, sizeof err)) {
		fprintf(stderr, PROG ": WARNING: its client cannot use %s: %s\n", def->file, err);
		return;
	}
	if (pol.trust_anchor_len != pki->ark_len || memcmp(pol.trust_anchor, pki->ark_der, pki->ark_len) != 0) {
		fprintf(stderr, PROG ": WARNING: %s names trust anchor %s, which is not this simulator's test root: its "
				"client will refuse these reports\n",
			def->file, def->trust_anchor);
		return;
	}
	if (snpsim_sp_report(sp, def->has_vmpl ? def->vmpl : 0, rd, report, err, sizeof err) ||
	    snp_certtable_parse(&table, sp->certs, sp->certs_len, err, sizeof err) ||
	    snp_certs_from_table(&table, &certs, err, sizeof err))
		return;
	/* The CRL the client consults too ([platform] certs, else the state directory). */
	uint8_t *crl = NULL;
	size_t crl_len = 0;
	char where[2 * VMDEF_PATH_MAX + 32];
	if (pol.require_crl && vmdef_sim_crl(def, &crl, &crl_len, where, sizeof where, err, sizeof err) == 0) {
		certs.crl = crl;
		certs.crl_len = crl_len;
	}
	int verified = snp_verify_report(report, sizeof report, &certs, &pol, &res, NULL) == 0;
	free(crl);
	if (verified) {
		fprintf(stderr, PROG ": a client of %s would accept these reports\n", def->file);
		return;
	}
	fprintf(stderr, PROG ": WARNING: a client of %s would REFUSE these reports:\n", def->file);
	for (size_t i = 0; i < res.n_failed; i++)
		fprintf(stderr, PROG ":   %s: expected %s, got %s\n", res.failed[i].check, res.failed[i].expected,
			res.failed[i].got);
}

/* Loads the definition and the PKI, makes the launch and checks it. */
static int prepare(const struct sim_args *a, struct vmdef *def, struct snpsim_pki *pki, struct snpsim_sp *sp)
{
	char err[VMDEF_ERR_LEN];
	if (vmdef_load(a->def, def, err, sizeof err)) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	const char *dir = a->state_dir ? a->state_dir : def->sim.state_dir;
	if (a->state_dir && snprintf(def->sim.state_dir, sizeof def->sim.state_dir, "%s", a->state_dir) < 0)
		return EXIT_USAGE;
	enum snp_product product = def->product == SNP_PRODUCT_UNKNOWN ? SNP_PRODUCT_MILAN : def->product;
	if (snpsim_pki_open(dir, product, def->sim.has_chip_id ? def->sim.chip_id : NULL, &def->sim.reported_tcb, pki,
			    stderr, err, sizeof err)) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	char serial[2 * SNPSIM_SERIAL_MAX + 1];
	if (snpsim_pki_crl(dir, pki, a->revoke, serial, stderr, err, sizeof err)) {
		fprintf(stderr, PROG ": %s/crl.der: %s\n", dir, err);
		return EXIT_INPUT;
	}
	if (a->revoke) {
		printf("revoked %s serial %s in %s/crl.der\n", a->revoke == SNPSIM_REVOKE_VCEK ? "VCEK" : "ASK", serial,
		       dir);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
	}
	if (a->print_anchor)
		return EXIT_OK;
	static struct snpsim_launch launch;
	if (snpsim_launch_from_vmdef(&launch, def, pki, err, sizeof err)) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	if (a->fault) {
		fprintf(stderr, "snp-sim: !!! TEST FAULT %s: %s\n", a->fault_name, snpsim_fault_describe(a->fault));
		if (snpsim_fault_apply_pki(a->fault, pki, err, sizeof err)) {
			fprintf(stderr, PROG ": --fault %s: %s\n", a->fault_name, err);
			return EXIT_FAILURE_GENERIC;
		}
	}
	if (snpsim_sp_init(sp, &launch, pki->vcek_priv, pki->ark_der, pki->ark_len, pki->ask_der, pki->ask_len,
			   pki->vcek_der, pki->vcek_len, err, sizeof err)) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	if (snpsim_sp_svsm_init(sp, def, pki, err, sizeof err)) {
		fprintf(stderr, PROG ": [svsm]: %s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	if (a->fault == SNPSIM_FAULT_SVSM_MANIFEST && !sp->attest_services) {
		/* A fault that changes nothing would make its test prove nothing. */
		fprintf(stderr, PROG ": --fault %s needs [svsm] attest_services = true in the definition\n",
			a->fault_name);
		return EXIT_INPUT;
	}
		int check_rc = snpsim_self_check(sp, &launch, pki, err, sizeof err);
	if (snpsim_fault_breaks_verification(a->fault)) {
		/* The fault must really break verification, or the test using it
		 * would prove nothing. */
		if (check_rc == 0) {
			fprintf(stderr, PROG ": --fault %s had no effect: a report still verifies\n", a->fault_name);
			return EXIT_FAILURE_GENERIC;
		}
		fprintf(stderr, "snp-sim: !!! as intended, the self-check refuses: %s\n", err);
		return EXIT_OK;
	}
	if (check_rc) {
		fprintf(stderr, PROG ": self-check FAILED, refusing to serve: %s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	snpsim_fault_apply_sp(a->fault, sp);
	if (a->report_id_per_request) {
		sp->report_id_per_request = 1;
		fprintf(stderr, "snp-sim: !!! BENCHMARK MODE --report-id-per-request: a new REPORT_ID for every report "
				"(no firmware does this; it defeats one-release-per-launch on purpose)\n");
	}
	char m[2 * 48 + 1], chip[2 * 64 + 1], tcb[80];
	hex_encode(m, launch.measurement, 48);
	hex_encode(chip, launch.chip_id, 64);
	fprintf(stderr, "snp-sim: self-check passed: a report verifies against the test root (%s)\n",
		snpsim_product_name(product));
	fprintf(stderr, "snp-sim: MEASUREMENT %s\nsnp-sim: CHIP_ID %s\nsnp-sim: TCB %s, POLICY 0x%llx, report v%u\n", m,
		chip, snp_tcb_format(tcb, sizeof tcb, &launch.tcb), (unsigned long long)launch.policy, launch.version);
	if (sp->svsm) {
		uint8_t ek[32];
		char ek_hex[65];
		br_sha256_context h;
		br_sha256_init(&h);
		br_sha256_update(&h, sp->vtpm_manifest, sp->vtpm_manifest_len);
		br_sha256_out(&h, ek);
		hex_encode(ek_hex, ek, 32);
		fprintf(stderr, "snp-sim: SIMULATED SVSM at VMPL 0: plain requests from VMPL %u up%s%s\n",
			sp->privlevel_floor, sp->attest_services ? "; vTPM service attestation, EK SHA-256 " : "",
			sp->attest_services ? ek_hex : "");
	}
	client_view(def, sp, pki);
	return EXIT_OK;
}

static int print_anchor(const char *dir)
{
	char path[PATH_MAX + 16], real[PATH_MAX];
	snprintf(path, sizeof path, "%s/ark.pem", dir);
	printf("%s\n", realpath(path, real) ? real : path);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
}

static int serve(const struct sim_args *a, const struct snpsim_sp *sp)
{
	char err[256];
	unsigned timeout_s = 10;
	if (a->timeout) {
		char *end;
		errno = 0;
		unsigned long t = strtoul(a->timeout, &end, 10);
		if (errno || *end || !*a->timeout || a->timeout[0] == '-' || t == 0 || t > 3600) {
			fprintf(stderr, PROG ": --timeout-s: expected 1..3600, got '%s'\n", a->timeout);
			return EXIT_USAGE;
		}
		timeout_s = (unsigned)t;
	}
	int fd = snpsim_listen_unix(a->socket, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	fprintf(stderr, "snp-sim: serving on %s\n", a->socket);
	struct snpsim_serve_opts o = {.timeout_ms = timeout_s * 1000, .once = a->once, .stop = &stop_requested,
				      .log = stderr};
	long sent = snpsim_serve(fd, sp, &o);
	close(fd);
	unlink(a->socket);
	fprintf(stderr, "snp-sim: stopped after %ld report%s\n", sent < 0 ? 0 : sent, sent == 1 ? "" : "s");
	return sent < 0 ? EXIT_FAILURE_GENERIC : EXIT_OK;
}

int cmd_snp_sim(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
	struct sim_args a;
	if (parse_args(&a, argc, argv))
		return EXIT_USAGE;
	fputs(banner, stderr);
	install_signals();

	static struct vmdef def;
	static struct snpsim_pki pki;
	static struct snpsim_sp sp;
	int rc = prepare(&a, &def, &pki, &sp);
	if (rc == EXIT_OK && a.print_anchor && !a.revoke)
		rc = print_anchor(a.state_dir ? a.state_dir : def.sim.state_dir);
	else if (rc == EXIT_OK && !a.revoke && !a.print_anchor)
		rc = serve(&a, &sp);
	snpsim_sp_wipe(&sp);
	snpsim_pki_wipe(&pki);
	return rc;
}
