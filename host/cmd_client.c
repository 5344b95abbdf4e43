/* snpboot client: the owner's side of the attested channel. Connects to the
 * guest (or lets it connect), checks its attestation report against the VM
 * definition, and only then releases the disk key; prints the guest's unlock
 * result. Nothing secret is printed, and the key is wiped after use. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snp/amd_certdir.h"
#include "base/bytes.h"
#include "chan/chan_binding.h"
#include "chan/chan_frame.h"
#include "chan/chan_frame_io.h"
#include "chan/chan_io.h"
#include "chan/chan_payload.h"
#include "chan/chan_tls_client.h"
#include "client/client_output.h"
#include "client/explain_report.h"
#include "commands.h"
#include "cli/file_io.h"
#include "https/https_get.h"
#include "snp/idblock_key.h"
#include "snp/kds.h"
#include "client/kds_fetch.h"
#include "client/release_log.h"
#include "cli/secret_file.h"
#include "chan/selfcert.h"
#include "snp/snp_certtable.h"
#include "snp/snp_verify.h"
#include "vmdef/vmdef.h"

#define PROG "snpboot client"

static const char usage_text[] =
	"usage: snpboot client --vm-definition vm.toml [--disk-key-file FILE | --disk-key-fd N]\n"
	"                      [--connect HOST:PORT | --listen ADDR:PORT] [--certs DIR] [--json]\n"
	"                      [--save-evidence FILE]\n"
	"                      [--kds [--cache DIR] [--kds-url URL] [--ca-file FILE]]\n"
	"\n"
	"Connects to the guest's first stage (or waits for it), verifies its SEV-SNP\n"
	"attestation report against the VM definition (AMD chain, TCB, policy,\n"
	"measurement, ID key digests, host data, the binding of the report to this\n"
	"TLS session), and only then sends the disk key. Prints every check with\n"
	"expected and got, then the guest's unlock result.\n"
	"\n"
	"  --vm-definition FILE  the VM definition (every key is documented in lib/vmdef.h)\n"
	"  --disk-key-file FILE  the disk key (raw bytes, at most 512): a regular file you own,\n"
	"                        mode 0600 or stricter, not a symbolic link (checked on the\n"
	"                        descriptor it is read from); default: the definition's\n"
	"                        [channel] disk_key_file\n"
	"  --disk-key-fd N       read the disk key from inherited descriptor N to its end (a\n"
	"                        pipe, e.g. 3< <(pass show disk), or a file checked as above);\n"
	"                        secrets never come from argv or the environment\n"
	"  --connect HOST:PORT   dial the guest (default: the definition's [channel])\n"
	"  --listen ADDR:PORT    wait for the guest to dial us\n"
	"  --certs DIR           AMD certificates (ark/ask/vcek or cert_chain.pem + vcek.der);\n"
	"                        default: the definition's certs, else the guest's certificate table,\n"
	"                        else (with --kds) AMD KDS\n"
	"  --kds                 when the guest sent no certificate table and no --certs or\n"
	"                        [platform] certs is given, fetch the ARK/ASK/VCEK for the\n"
	"                        report from AMD KDS over HTTPS (cached; still fully verified)\n"
	"  --cache DIR           KDS cache (default $XDG_CACHE_HOME/snpboot/kds or ~/.cache/snpboot/kds)\n"
	"  --kds-url URL         KDS base URL (default " KDS_BASE_URL ")\n"
	"  --ca-file FILE        CA bundle for KDS's TLS certificate (default " HTTPS_DEFAULT_CA_FILE ")\n"
	"  --json                the verdict as JSON on stdout\n"
	"  --save-evidence FILE  keep the guest's EVIDENCE frame (report, certificates, boot\n"
	"                        facts; nothing secret) for `snpboot measure --explain FILE`\n"
	"\n"
	"The owner's key ([channel] owner_key) is checked like the disk key file.\n"
	"Revocation: the ARK's CRL is consulted. When the certificates come without one\n"
	"(the guest's table, --certs DIR without crl.der) it is fetched from AMD KDS into the\n"
	"cache (refreshed daily; one past its nextUpdate is refused); a simulated definition\n"
	"reads crl.der from [platform] certs or snp-sim's [sim] state_dir. Only\n"
	"[platform] check_crl = false turns this off, and then every run says so.\n"
	"One release per launch: after the guest reported \"unlocked\", its REPORT_ID (fresh\n"
	"for every launch) is recorded in $XDG_CACHE_HOME/snpboot/releases (default\n"
	"~/.cache/snpboot/releases), one file per expected MEASUREMENT; a later request\n"
	"with that REPORT_ID (only code after switch_root can make one) is refused before\n"
	"any key is sent. Launch the VM again to unlock again.\n"
	"\n"
	"A refused MEASUREMENT is explained: the client recomputes it with each usual\n"
	"single change of the definition (vCPUs, guest features, command line, ...) and\n"
	"names the one that gives the reported value, or says that none does.\n"
	"\n"
	"Exit: 0 unlocked, 1 attestation refused (or a second release for one launch, or\n"
	"the release could not be recorded), 2 usage, 3 bad input, 4 the guest could not\n"
	"unlock with the key, 5 network or protocol failure (KDS certificates included).\n";

enum { EXIT_REFUSED = 1, EXIT_UNLOCK_FAILED = 4, EXIT_NETWORK = 5 };

struct client_args {
	const char *vmdef, *key_file, *connect, *listen, *certs;
	const char *cache, *kds_url, *ca_file, *save_evidence;
	int json, kds, key_fd; /* key_fd: -1 unless --disk-key-fd */
};

/* Big state in static storage: TLS buffers, the definition, the result. */
static struct vmdef def;
static struct chan_tls_client tls;
static struct selfcert owner_cert;
static struct chan_io io;
static uint8_t frame_buf[CHAN_EVIDENCE_MAX];
static uint8_t report_copy[CHAN_REPORT_LEN];
static struct snp_verify_result verdict;
static struct snp_report parsed_report;

/* Like ssh with private keys: a key others can read or replace is refused,
 * not warned about, since the warning scrolls by unread. One descriptor is
 * opened and checked (secret_file.h). */
static int read_disk_key(const struct client_args *a, uint8_t key[CHAN_DISK_KEY_MAX], size_t *len)
{
	char err[512];
	int rc = a->key_fd >= 0
			 ? secret_read_fd(a->key_fd, "disk key", key, 1, CHAN_DISK_KEY_MAX, len, err, sizeof err)
			 : secret_read_file(a->key_file, "disk key file", key, 1, CHAN_DISK_KEY_MAX, len, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, PROG ": %s\n", err);
	return rc;
}

/* The owner's private key: the same checks as the disk key. */
static int load_owner_key(char *err, size_t err_len)
{
	static uint8_t pem[16384];
	size_t n = 0;
	struct idblock_key k;
	char why[512];
	int rc = secret_read_file(def.owner_key, "owner key", pem, 1, sizeof pem - 1, &n, why, sizeof why);
	if (rc != 0) {
		snprintf(err, err_len, "%s", why);
		return -1;
	}
	pem[n] = '\0';
	rc = idblock_key_from_pem(&k, (const char *)pem, n, why, sizeof why);
	secure_wipe(pem, sizeof pem);
	if (rc == 0)
		rc = selfcert_from_scalar(&owner_cert, k.priv, "snpboot owner", time(NULL) - 3600, time(NULL) + 86400, why,
					  sizeof why);
	idblock_key_wipe(&k);
	if (rc != 0)
		snprintf(err, err_len, "owner key %s: %s", def.owner_key, why);
	return rc;
}

static int split_host_port(const char *arg, char *host, size_t host_len, char *port, size_t port_len)
{
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg || (size_t)(colon - arg) >= host_len || strlen(colon + 1) >= port_len ||
	    !colon[1])
		return -1;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

/* Dials until the deadline: the guest may still be booting. */
static int dial(const char *addr, time_t deadline)
{
	char host[256], port[16];
	if (split_host_port(addr, host, sizeof host, port, sizeof port) != 0) {
		fprintf(stderr, PROG ": address '%s' must be HOST:PORT\n", addr);
		return -1;
	}
	int last_errno = 0;
	for (;;) {
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
		int gai = getaddrinfo(host, port, &hints, &res);
		if (gai != 0) {
			fprintf(stderr, PROG ": %s: %s\n", addr, gai_strerror(gai));
			return -1;
		}
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
			if (fd < 0)
				continue;
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
				freeaddrinfo(res);
				return fd;
			}
			last_errno = errno;
			close(fd);
		}
		freeaddrinfo(res);
		if (time(NULL) >= deadline) {
			fprintf(stderr, PROG ": cannot reach the guest at %s: %s\n", addr, strerror(last_errno));
			return -1;
		}
		sleep(1);
	}
}

static int wait_for_guest(const char *addr, time_t deadline)
{
	char host[256], port[16];
	if (split_host_port(addr, host, sizeof host, port, sizeof port) != 0) {
		fprintf(stderr, PROG ": address '%s' must be ADDR:PORT\n", addr);
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		fprintf(stderr, PROG ": cannot listen on %s\n", addr);
		return -1;
	}
	int one = 1, lfd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, res->ai_addr, res->ai_addrlen) != 0 || listen(lfd, 1) != 0) {
		fprintf(stderr, PROG ": listen on %s: %s\n", addr, strerror(errno));
		freeaddrinfo(res);
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	freeaddrinfo(res);
	fprintf(stderr, PROG ": waiting for the guest on %s\n", addr);
	struct timeval tv = {.tv_sec = deadline > time(NULL) ? deadline - time(NULL) : 1};
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, PROG ": no guest connected to %s: %s\n", addr, strerror(errno));
	close(lfd);
	return fd;
}

/* 0; -1 with err set (bad certificates or definition); -2 when KDS failed. */
static int load_certs(const struct client_args *a, const struct chan_evidence *ev, struct amd_certdir *dir,
		      struct amd_certs *certs, char *err, size_t err_len)
{
	const char *certdir = a->certs ? a->certs : def.certs[0] ? def.certs : NULL;
	if (certdir) {
		if (amd_certdir_load(certdir, dir, err, err_len) != 0)
			return -1;
		*certs = dir->certs;
		return 0;
	}
	static struct snp_certtable table;
	if (!ev->cert_table && a->kds) {
		char cache[KDS_PATH_MAX];
		if (a->cache)
			snprintf(cache, sizeof cache, "%s", a->cache);
		else if (kds_default_cache_dir(cache, sizeof cache) != 0)
			cache[0] = '\0';
		if (kds_fetch_for_report(ev->report, CHAN_REPORT_LEN, def.product, cache, a->kds_url, a->ca_file, dir,
					 NULL, 0, err, err_len) != 0)
			return -2; /* KDS unreachable or refusing: a network failure */
		*certs = dir->certs;
		return 0;
	}
	if (!ev->cert_table) {
		snprintf(err, err_len,
			 "the guest sent no certificates and neither --certs, [platform] certs nor --kds is given");
		return -1;
	}
	if (snp_certtable_parse(&table, ev->cert_table, ev->cert_table_len, err, err_len) != 0)
		return -1;
	return snp_certs_from_table(&table, certs, err, err_len);
}

/* The product whose CRL applies: the definition's, else the one the VCEK names. */
static enum amd_product crl_product(const struct amd_certs *certs, int *is_vlek)
{
	struct amd_vcek_ext ext;
	*is_vlek = 0;
	int have_ext = certs->vcek && amd_vcek_ext_parse(certs->vcek, certs->vcek_len, &ext, NULL, 0) == 0;
	if (have_ext)
		*is_vlek = (ext.present & AMD_EXT_CSP_ID) != 0;
	if (def.product != SNP_PRODUCT_UNKNOWN)
		return snp_product_to_amd(def.product);
	return have_ext ? amd_product_from_name(ext.product_name, strlen(ext.product_name)) : AMD_PRODUCT_UNKNOWN;
}

/*
 * Revocation (DESIGN.md step 5): a certificate set without the ARK's CRL
 * gets one, from snp-sim's state for a simulated definition, else from KDS
 * (cached until its nextUpdate). When none can be had, the reason is said
 * here and the verifier, told to require a CRL, refuses the chain.
 * *crl_buf holds what was read (free it after verification).
 */
static void attach_crl(const struct client_args *a, struct amd_certs *certs, uint8_t **crl_buf)
{
	char err[1024], where[2 * VMDEF_PATH_MAX + 32];
	size_t len = 0;
	*crl_buf = NULL;
	if (!def.check_crl) {
		/* The explicit opt-out: no CRL at all, so what every run says is true. */
		certs->crl = NULL;
		certs->crl_len = 0;
		return;
	}
	if (certs->crl)
		return;
	if (def.simulated) {
		int rc = vmdef_sim_crl(&def, crl_buf, &len, where, sizeof where, err, sizeof err);
		if (rc == 0)
			fprintf(stderr, PROG ": CRL from %s (the simulator's test ARK)\n", where);
		else if (rc == 1)
			fprintf(stderr, PROG ": no CRL: none in %s (snp-sim issues crl.der in its state directory)\n",
				where);
		else
			fprintf(stderr, PROG ": no CRL: %s\n", err);
	} else {
		char cache[KDS_PATH_MAX];
		int is_vlek;
		enum amd_product p = crl_product(certs, &is_vlek);
		if (a->cache)
			snprintf(cache, sizeof cache, "%s", a->cache);
		else if (kds_default_cache_dir(cache, sizeof cache) != 0)
			cache[0] = '\0';
		if (kds_fetch_crl(p, is_vlek, cache, a->kds_url, a->ca_file, crl_buf, &len, err, sizeof err) != 0)
			fprintf(stderr, PROG ": no CRL: %s\n", err);
	}
	if (*crl_buf) {
		certs->crl = *crl_buf;
		certs->crl_len = len;
	}
}

/* The frame as it came, header included: what `measure --explain` reads. */
static int save_evidence(const char *path, const uint8_t *payload, size_t len)
{
	char err[128];
	uint8_t *frame = malloc(CHAN_FRAME_HEADER_LEN + len);
	if (!frame || chan_frame_header(frame, CHAN_FRAME_EVIDENCE, len, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": cannot save the evidence: %s\n", frame ? err : "out of memory");
		free(frame);
		return -1;
	}
	memcpy(frame + CHAN_FRAME_HEADER_LEN, payload, len);
	int rc = file_write_all(PROG, path, frame, CHAN_FRAME_HEADER_LEN + len, 0644);
	free(frame);
	if (rc == 0)
		fprintf(stderr, PROG ": saved the guest's evidence to %s\n", path);
	return rc;
}

/* Opens the release record for MEASUREMENT and looks for REPORT_ID: 0 not
 * released yet (rl locked), 1 released already, -1 the record is unusable
 * (both with the reason in err). */
static int open_release_log(struct release_log *rl, const uint8_t measurement[48], const uint8_t report_id[32],
			    char *err, size_t err_len)
{
	char dir[RELEASE_LOG_PATH_MAX], line[256], why[512], hex[65];
	if (release_log_default_dir(dir, sizeof dir) != 0) {
		snprintf(err, err_len,
			 "cannot keep the one-release-per-launch record: neither XDG_CACHE_HOME nor HOME is set; the "
			 "disk key was not sent");
		return -1;
	}
	if (release_log_open(rl, dir, measurement, why, sizeof why) != 0) {
		snprintf(err, err_len, "cannot keep the one-release-per-launch record: %s; the disk key was not sent", why);
		return -1;
	}
	int found = release_log_find(rl, report_id, line, sizeof line, why, sizeof why);
	if (found < 0) {
		snprintf(err, err_len, "cannot read the one-release-per-launch record: %s; the disk key was not sent", why);
		return -1;
	}
	if (found == 0)
		return 0;
	hex_encode(hex, report_id, 32);
	snprintf(err, err_len,
		 "REPORT_ID %s: expected a launch that has not received the disk key, got one whose guest already "
		 "reported \"unlocked\" (%s: \"%s\"): one key release per launch, and a second request in the same "
		 "launch can only come from code after switch_root; the disk key was not sent (launch the VM again "
		 "to unlock again)",
		 hex, rl->path, line);
	return 1;
}

static int measurement_failed(const struct snp_verify_result *v)
{
	for (size_t i = 0; i < v->n_failed; i++)
		if (strcmp(v->failed[i].check, "MEASUREMENT") == 0)
			return 1;
	return 0;
}

static int send_reject(const char *why)
{
	char err[256];
	size_t n = strlen(why);
	if (n > CHAN_REJECT_MAX)
		n = CHAN_REJECT_MAX;
	if (chan_frame_send(&io, CHAN_FRAME_REJECT, (const uint8_t *)why, n, err, sizeof err) != 0)
		return -1;
	chan_io_close(&io);
	return 0;
}

static int run(const struct client_args *a, const uint8_t *disk_key, size_t disk_key_len)
{
	char err[512];
	time_t deadline = time(NULL) + (def.timeout_s ? def.timeout_s : 300);
	const char *addr = a->listen ? a->listen : a->connect ? a->connect : def.address;
	int listen_mode = a->listen || (!a->connect && def.channel_mode == VMDEF_CHANNEL_LISTEN);
	int fd;
	for (;;) {
		fd = listen_mode ? wait_for_guest(addr, deadline) : dial(addr, deadline);
		if (fd < 0)
			return EXIT_NETWORK;
		if (chan_tls_client_start(&tls, &io, fd, err, sizeof err) != 0)
			goto network;
		chan_io_set_timeout(&io, 60000);
		if (chan_io_handshake(&io, err, sizeof err) == 0)
			break;
		/* A forwarder in front of a guest still booting (QEMU's hostfwd)
		 * accepts the connection, then drops it when nothing listens behind
		 * it yet: the guest never said a byte. Dial again until the deadline. */
		if (listen_mode || io.received != 0 || time(NULL) + 1 >= deadline)
			goto network;
		fprintf(stderr, PROG ": %s before the guest said anything; dialling again\n", err);
		close(fd);
		sleep(1);
	}
	fprintf(stderr, PROG ": TLS up with the guest (%s)\n", chan_io_suite(&io));

	uint8_t nonce[CHAN_NONCE_LEN], report_data[CHAN_REPORT_DATA_LEN];
	if (getrandom(nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce) {
		snprintf(err, sizeof err, "getrandom: %s", strerror(errno));
		goto network;
	}
	if (chan_frame_send(&io, CHAN_FRAME_HELLO, nonce, sizeof nonce, err, sizeof err) != 0)
		goto network;
	struct chan_frame_decoder d;
	chan_frame_decoder_init(&d, frame_buf, sizeof frame_buf, CHAN_FRAME_BIT(CHAN_FRAME_EVIDENCE));
	if (chan_frame_recv(&io, &d, err, sizeof err) != 0)
		goto network;
	if (a->save_evidence)
		save_evidence(a->save_evidence, d.buf, d.len); /* a diagnostic aid: failing to keep it stops nothing */
	struct chan_evidence ev;
	if (chan_evidence_decode(&ev, d.buf, d.len, err, sizeof err) != 0)
		goto network;
	memcpy(report_copy, ev.report, sizeof report_copy);
	if (chan_binding_from_engine(&tls.cc.eng, nonce, chan_tls_client_guest_spki_sha256(&tls), report_data, err,
				     sizeof err) != 0)
		goto network;

	struct snp_verify_policy policy;
	struct amd_certdir dir = {0};
	struct amd_certs certs;
	int verify_rc = -1;
	/* The SVSM's service attestation binds the session and its manifest:
	 * REPORT_DATA = SHA-512(binding || manifest) (chan_binding.h). Whether
	 * a manifest may or must come at all is the verifier's check, against
	 * [svsm] attest_services. */
	if (ev.has_manifest)
		chan_binding_svsm(report_data, ev.manifest, ev.manifest_len, report_data);
	int setup_rc = vmdef_to_policy(&def, &policy, report_data, err, sizeof err);
	policy.has_manifest = ev.has_manifest;
	policy.manifest = ev.manifest;
	policy.manifest_len = ev.manifest_len;
	if (setup_rc == 0)
		setup_rc = load_certs(a, &ev, &dir, &certs, err, sizeof err);
	if (setup_rc != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		send_reject("the owner could not set up verification");
		amd_certdir_free(&dir);
		close(fd);
		return setup_rc == -2 ? EXIT_NETWORK : EXIT_INPUT;
	}
	policy.now = time(NULL);
	uint8_t *crl_buf = NULL;
	attach_crl(a, &certs, &crl_buf);
	verify_rc = snp_verify_report(report_copy, sizeof report_copy, &certs, &policy, &verdict, &parsed_report);
	free(crl_buf);
	amd_certdir_free(&dir);
	/* The most common refusal: say which single launch change explains it. */
	static struct explain_report explained;
	const struct explain_report *whyp = NULL;
	if (measurement_failed(&verdict)) {
		if (explain_report_run(&explained, &def, report_copy, err, sizeof err) == 0)
			whyp = &explained;
		else
			fprintf(stderr, PROG ": cannot explain the MEASUREMENT mismatch: %s\n", err);
	}
	client_print_verdict(a->json, &def, &verdict, ev.boot_facts, ev.boot_facts_len, whyp);
	if (verify_rc != 0 || !verdict.ok) {
		char why[CHAN_REJECT_MAX];
		if (verdict.n_failed)
			snprintf(why, sizeof why, "attestation refused: %s: expected %s, got %s", verdict.failed[0].check,
				 verdict.failed[0].expected, verdict.failed[0].got);
		else
			snprintf(why, sizeof why, "attestation refused");
		send_reject(why);
		close(fd);
		client_print_outcome(a->json, "refused", "the disk key was not sent");
		return EXIT_REFUSED;
	}

	/* One release per launch: held locked from this check to the record. */
	struct release_log rl = {.lock_fd = -1};
	int seen = open_release_log(&rl, policy.measurement, parsed_report.report_id, err, sizeof err);
	if (seen != 0) {
		char why[CHAN_REJECT_MAX];
		fprintf(stderr, PROG ": %s\n", err);
		snprintf(why, sizeof why, "%s", seen > 0 ? "one key release per launch: this REPORT_ID was already "
							   "unlocked" : "the owner cannot keep its release record");
		send_reject(why);
		release_log_close(&rl);
		close(fd);
		client_print_outcome(a->json, "refused", seen > 0 ? "second request in the same launch: the disk key was not sent"
								   : "the disk key was not sent");
		return seen > 0 ? EXIT_REFUSED : EXIT_INPUT;
	}

	/* Verified: the key goes out, and only into this TLS session. */
	struct chan_secrets secrets = {.disk_key = disk_key, .disk_key_len = disk_key_len};
	size_t len = chan_secrets_encode(frame_buf, sizeof frame_buf, &secrets, err, sizeof err);
	int sent = len && chan_frame_send(&io, CHAN_FRAME_SECRETS, frame_buf, len, err, sizeof err) == 0;
	secure_wipe(frame_buf, sizeof frame_buf);
	if (!sent) {
		release_log_close(&rl);
		goto network;
	}
	chan_frame_decoder_init(&d, frame_buf, sizeof frame_buf, CHAN_FRAME_BIT(CHAN_FRAME_RESULT));
	struct chan_result result;
	if (chan_frame_recv(&io, &d, err, sizeof err) != 0 || chan_result_decode(&result, d.buf, d.len, err, sizeof err) != 0) {
		release_log_close(&rl);
		goto network;
	}
	char detail[CHAN_RESULT_DETAIL_MAX + 1];
	snprintf(detail, sizeof detail, "%.*s", (int)result.detail_len, result.detail);
	chan_io_close(&io);
	close(fd);
	if (result.status == CHAN_RESULT_OK) {
		int recorded = release_log_add(&rl, parsed_report.report_id, def.name, err, sizeof err);
		release_log_close(&rl);
		client_print_outcome(a->json, "unlocked", detail);
		if (recorded != 0) {
			fprintf(stderr, PROG ": ERROR: the guest unlocked, but this release could not be recorded (%s): a "
					"second request in this launch would not be refused\n",
				err);
			return EXIT_REFUSED;
		}
		return EXIT_OK;
	}
	release_log_close(&rl);
	client_print_outcome(a->json, result.status == CHAN_RESULT_RETRY ? "unlock-failed-retry" : "unlock-failed",
			     detail);
	return EXIT_UNLOCK_FAILED;
network:
	fprintf(stderr, PROG ": %s\n", err);
	close(fd);
	return EXIT_NETWORK;
}

int cmd_client(int argc, char **argv)
{
	static const struct option opts[] = {{"vm-definition", required_argument, NULL, 'd'},
					     {"disk-key-file", required_argument, NULL, 'k'},
					     {"disk-key-fd", required_argument, NULL, 'F'},
					     {"connect", required_argument, NULL, 'c'},
					     {"listen", required_argument, NULL, 'l'},
					     {"certs", required_argument, NULL, 'C'},
					     {"json", no_argument, NULL, 'j'},
					     {"kds", no_argument, NULL, 'K'},
					     {"kds-url", required_argument, NULL, 'U'},
					     {"ca-file", required_argument, NULL, 'A'},
					     {"cache", required_argument, NULL, 'D'},
					     {"save-evidence", required_argument, NULL, 'S'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct client_args a = {.key_fd = -1};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a.vmdef = optarg; break;
		case 'k': a.key_file = optarg; break;
		case 'F':
			if (secret_parse_fd(optarg, &a.key_fd) != 0) {
				fprintf(stderr, PROG ": --disk-key-fd: expected a descriptor number 0..1023, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c': a.connect = optarg; break;
		case 'l': a.listen = optarg; break;
		case 'C': a.certs = optarg; break;
		case 'j': a.json = 1; break;
		case 'K': a.kds = 1; break;
		case 'U': a.kds_url = optarg; break;
		case 'A': a.ca_file = optarg; break;
		case 'D': a.cache = optarg; break;
		case 'S': a.save_evidence = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (!a.vmdef || optind != argc || (a.key_file && a.key_fd >= 0) || (a.connect && a.listen)) {
		fprintf(stderr, PROG ": need --vm-definition, at most one of --disk-key-file/--disk-key-fd, and at "
				"most one of --connect/--listen\n");
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	char err[VMDEF_ERR_LEN];
	if (vmdef_load(a.vmdef, &def, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	if (!a.key_file && a.key_fd < 0)
		a.key_file = def.disk_key_file[0] ? def.disk_key_file : NULL;
	if (!a.key_file && a.key_fd < 0) {
		fprintf(stderr, PROG ": no disk key: give --disk-key-file or --disk-key-fd, or name the file in the "
				"definition's [channel] disk_key_file\n");
		return EXIT_USAGE;
	}
	/* Refused here, before any connection: the guest never sees a client
	 * that could not release the key anyway. */
	if (vmdef_verifier_ready(&def, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	vmdef_warn_if_simulated(stderr, PROG, &def);
	if (!def.check_crl)
		fprintf(stderr, PROG ": " VMDEF_NO_CRL_WARNING " (%s)\n", def.file);
	if (def.owner_key[0] && load_owner_key(err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	if (chan_tls_client_init(&tls, def.owner_key[0] ? &owner_cert : NULL, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_FAILURE_GENERIC;
	}
	uint8_t disk_key[CHAN_DISK_KEY_MAX];
	size_t disk_key_len = 0;
	if (read_disk_key(&a, disk_key, &disk_key_len) != 0)
		return EXIT_INPUT;
	int rc = run(&a, disk_key, disk_key_len);
	secure_wipe(disk_key, sizeof disk_key);
	chan_tls_client_wipe(&tls);
	selfcert_wipe(&owner_cert);
	return rc;
}
