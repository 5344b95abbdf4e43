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
#include "snp/kds.h"
#include "client/kds_fetch.h"
#include "client/owner_certs.h"
#include "client/owner_identity.h"
#include "client/owner_session.h"
#include "client/owner_verify.h"
#include "client/release_log.h"
#include "cli/secret_file.h"
#include "cli/tcp_listen.h"
#include "chan/selfcert.h"
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
static struct owner_session session;
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

/* Dials until the deadline: the guest may still be booting. */
static int dial(const char *addr, time_t deadline)
{
	char host[256], port[16];
	if (cli_split_host_port(addr, host, sizeof host, port, sizeof port) != 0) {
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
	char err[512];
	int lfd = cli_tcp_listen(addr, 1, 0, NULL, err, sizeof err);
	if (lfd < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return -1;
	}
	fprintf(stderr, PROG ": waiting for the guest on %s\n", addr);
	struct timeval tv = {.tv_sec = deadline > time(NULL) ? deadline - time(NULL) : 1};
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, PROG ": no guest connected to %s: %s\n", addr, strerror(errno));
	close(lfd);
	return fd;
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

/* The certificate sources the command line and the definition name. */
static struct owner_cert_source cert_source(const struct client_args *a)
{
	return (struct owner_cert_source){.certs = a->certs, .kds = a->kds, .cache = a->cache, .kds_url = a->kds_url,
					  .ca_file = a->ca_file};
}

/* Dials (or waits for) the guest until the TLS handshake is done. 0, or -1 after saying why. */
static int connect_guest(const struct client_args *a)
{
	char err[512];
	time_t deadline = time(NULL) + (def.timeout_s ? def.timeout_s : 300);
	const char *addr = a->listen ? a->listen : a->connect ? a->connect : def.address;
	int listen_mode = a->listen || (!a->connect && def.channel_mode == VMDEF_CHANNEL_LISTEN);
	for (;;) {
		int fd = listen_mode ? wait_for_guest(addr, deadline) : dial(addr, deadline);
		if (fd < 0)
			return -1;
		if (owner_session_handshake(&session, &tls, fd, 60000, err, sizeof err) == 0)
			break;
		/* A forwarder in front of a guest still booting (QEMU's hostfwd)
		 * accepts the connection, then drops it when nothing listens behind
		 * it yet: the guest never said a byte. Dial again until the deadline. */
		int retry = !listen_mode && session.io.received == 0 && time(NULL) + 1 < deadline;
		owner_session_end(&session);
		fprintf(stderr, PROG ": %s%s\n", err, retry ? " before the guest said anything; dialling again" : "");
		if (!retry)
			return -1;
		sleep(1);
	}
	fprintf(stderr, PROG ": TLS up with the guest (%s)\n", chan_io_suite(&session.io));
	return 0;
}

static int run(const struct client_args *a, const uint8_t *disk_key, size_t disk_key_len)
{
	char err[512], note[1024] = "";
	if (connect_guest(a) != 0)
		return EXIT_NETWORK;
	if (owner_session_evidence(&session, 60000, err, sizeof err) != 0)
		goto network;
	if (a->save_evidence) /* a diagnostic aid: failing to keep it stops nothing */
		save_evidence(a->save_evidence, session.frame, session.frame_len);

	struct snp_verify_policy policy;
	struct owner_cert_source src = cert_source(a);
	int rc = owner_verify_policy(&def, &session, &policy, err, sizeof err);
	if (rc == 0)
		rc = owner_verify_report(&src, &def, &session, &policy, &verdict, &parsed_report, note, sizeof note, err,
					 sizeof err);
	if (rc >= 0 && note[0])
		fprintf(stderr, PROG ": %s\n", note);
	if (rc < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		owner_session_reject(&session, "the owner could not set up verification");
		owner_session_end(&session);
		return rc == -2 ? EXIT_NETWORK : EXIT_INPUT;
	}
	/* The most common refusal: say which single launch change explains it. */
	static struct explain_report explained;
	const struct explain_report *whyp = NULL;
	if (measurement_failed(&verdict)) {
		if (explain_report_run(&explained, &def, session.report, err, sizeof err) == 0)
			whyp = &explained;
		else
			fprintf(stderr, PROG ": cannot explain the MEASUREMENT mismatch: %s\n", err);
	}
	client_print_verdict(a->json, &def, &verdict, session.ev.boot_facts, session.ev.boot_facts_len, whyp);
	if (rc != 0) {
		char why[CHAN_REJECT_MAX + 1];
		owner_verify_refusal(&verdict, why, sizeof why);
		owner_session_reject(&session, why);
		owner_session_end(&session);
		client_print_outcome(a->json, "refused", "the disk key was not sent");
		return EXIT_REFUSED;
	}

	/* One release per launch: held locked from this check to the record. */
	struct release_log rl = {.lock_fd = -1};
	int seen = open_release_log(&rl, policy.measurement, parsed_report.report_id, err, sizeof err);
	if (seen != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		owner_session_reject(&session, seen > 0 ? "one key release per launch: this REPORT_ID was already unlocked"
							: "the owner cannot keep its release record");
		release_log_close(&rl);
		owner_session_end(&session);
		client_print_outcome(a->json, "refused", seen > 0 ? "second request in the same launch: the disk key was not sent"
								   : "the disk key was not sent");
		return seen > 0 ? EXIT_REFUSED : EXIT_INPUT;
	}

	/* Verified: the key goes out, and only into this TLS session. */
	struct chan_result result;
	char detail[CHAN_RESULT_DETAIL_MAX + 1];
	if (owner_session_release(&session, disk_key, disk_key_len, 60000, &result, detail, err, sizeof err) != 0) {
		release_log_close(&rl);
		goto network;
	}
	owner_session_end(&session);
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
	owner_session_end(&session);
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
	if (def.owner_key[0] && owner_identity_load(def.owner_key, &owner_cert, err, sizeof err) != 0) {
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
