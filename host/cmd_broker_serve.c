/* snpboot broker serve: the command line of the unattended key broker
 * (host/broker/broker_serve.h does the work). */
#include "cmd_broker_serve.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker_log.h"
#include "broker/broker_serve.h"
#include "cli/cli_opt.h"
#include "commands.h"
#include "https/https_get.h"
#include "snp/kds.h"

#define PROG "snpboot broker serve"

static const char usage_text[] =
	"usage: snpboot broker serve --db URL --master-key KEY --owner-key FILE --listen ADDR:PORT\n"
	"                            [--metrics ADDR:PORT] [--workers N] [--log-format text|json]\n"
	"                            [--certs DIR | --kds [--cache DIR] [--kds-url URL] [--ca-file FILE]]\n"
	"                            [--handshake-timeout S] [--evidence-timeout S] [--result-timeout S]\n"
	"                            [--claim-timeout S] [--source-rate N] [--source-sessions N]\n"
	"                            [--vm-rate N] [--ready-file FILE] [--foreground]\n"
	"\n"
	"Releases disk keys to attested guests, unattended. Guests dial the broker\n"
	"(boot.toml [channel] mode = \"connect\" to this address, owner_key_sha256 = the\n"
	"pin of --owner-key); for each, the broker plays the owner's side of the attested\n"
	"channel with the client's own code: it finds the VM by the HOST_DATA of the\n"
	"report, verifies the report against that VM's definition (AMD chain, CRL, TCB,\n"
	"policy, MEASUREMENT among the VM's accepted ones, CHIP_ID if the VM names some,\n"
	"the binding to this TLS session), claims the REPORT_ID in the store (one release\n"
	"per REPORT_ID once unlocked, across replicas), sends that VM's key and no other,\n"
	"and records the guest's answer. Every session ends in one log line and, once a\n"
	"report was read, an audit event (`snpboot broker log`).\n"
	"\n"
	"  --db URL              the store: sqlite:PATH (or a path) or PostgreSQL (several\n"
	"                        replicas may share one database)\n"
	"  --master-key KEY      the master key file (mode 0600, yours) or cred:NAME\n"
	"  --owner-key FILE      the broker's P-384 key (mode 0600): the owner its guests pin\n"
	"  --listen ADDR:PORT    where guests connect (port 0: any, see --ready-file)\n"
	"  --metrics ADDR:PORT   GET /metrics in the Prometheus text format: sessions by\n"
	"                        outcome, sessions in flight, workers, verification latency\n"
	"  --workers N           worker processes, each serving one guest at a time: the cap\n"
	"                        on sessions (handshakes included) in flight (default 16)\n"
	"  --log-format F        text (default: one line per event, with a <level> prefix\n"
	"                        journald reads) or json (one object per line)\n"
	"  --certs DIR, --kds, --cache, --kds-url, --ca-file\n"
	"                        AMD certificates when a guest sends none, as for `client`\n"
	"  --handshake-timeout S, --evidence-timeout S, --result-timeout S\n"
	"                        each step's deadline (defaults 10, 30, 120): a slow peer\n"
	"                        holds a worker no longer\n"
	"  --claim-timeout S     a REPORT_ID claimed by a session that died before sending the\n"
	"                        key may be claimed again after S seconds (default 300; more\n"
	"                        than --result-timeout, so a live session keeps its claim);\n"
	"                        once a key went out without an answer, never: the guest\n"
	"                        must launch again (a new REPORT_ID)\n"
	"  --source-rate N       sessions per minute from one address (default 60; 0: none)\n"
	"  --source-sessions N   sessions open at once from one address (default 4; 0: none)\n"
	"  --vm-rate N           attempts per minute for one VM (default 20; 0: none)\n"
	"  --ready-file FILE     once serving, write listen_port=, metrics_port= and pid=\n"
	"  --foreground          accepted for service managers: the broker never daemonizes\n"
	"\n"
	"Signals: SIGTERM or SIGINT stop accepting, let sessions in flight finish, exit 0;\n"
	"SIGHUP starts a fresh worker pool (re-reading keys and store) and retires the old\n"
	"one gently. config/snpboot-broker.service is a systemd unit.\n"
	"\n"
	"Exit: 0 stopped cleanly, 1 could not start (store, keys, address), 2 usage.\n";

/* An integer option in 0..max. 0, or -1 after saying why. */
static int number(const char *opt, const char *v, unsigned max, unsigned *out)
{
	uint64_t n;
	if (cli_parse_u64(v, &n) != 0 || n > max) {
		fprintf(stderr, PROG ": %s: expected a number 0..%u, got '%s'\n", opt, max, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

int cmd_broker_serve(int argc, char **argv)
{
	enum { O_DB = 256, O_MK, O_OWNER, O_LISTEN, O_METRICS, O_WORKERS, O_LOG, O_CERTS, O_KDS, O_CACHE, O_KDS_URL,
	       O_CA, O_HS, O_EV, O_RES, O_CLAIM, O_SRATE, O_SSESS, O_VRATE, O_READY, O_FG, O_HELP };
	static const struct option opts[] = {
		{"db", required_argument, NULL, O_DB},
		{"master-key", required_argument, NULL, O_MK},
		{"owner-key", required_argument, NULL, O_OWNER},
		{"listen", required_argument, NULL, O_LISTEN},
		{"metrics", required_argument, NULL, O_METRICS},
		{"workers", required_argument, NULL, O_WORKERS},
		{"log-format", required_argument, NULL, O_LOG},
		{"certs", required_argument, NULL, O_CERTS},
		{"kds", no_argument, NULL, O_KDS},
		{"cache", required_argument, NULL, O_CACHE},
		{"kds-url", required_argument, NULL, O_KDS_URL},
		{"ca-file", required_argument, NULL, O_CA},
		{"handshake-timeout", required_argument, NULL, O_HS},
		{"evidence-timeout", required_argument, NULL, O_EV},
		{"result-timeout", required_argument, NULL, O_RES},
		{"claim-timeout", required_argument, NULL, O_CLAIM},
		{"source-rate", required_argument, NULL, O_SRATE},
		{"source-sessions", required_argument, NULL, O_SSESS},
		{"vm-rate", required_argument, NULL, O_VRATE},
		{"ready-file", required_argument, NULL, O_READY},
		{"foreground", no_argument, NULL, O_FG},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0}};
	struct broker_serve_config cfg = {
		.workers = 16,
		.limits = {.handshake_ms = 10000, .evidence_ms = 30000, .result_ms = 120000, .claim_timeout_s = 300,
			   .source_per_minute = 60, .source_in_flight = 4, .vm_per_minute = 20},
	};
	unsigned hs = 10, ev = 30, res = 120, claim = 300;
	int c, bad = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_DB: cfg.db = optarg; break;
		case O_MK: cfg.master_key = optarg; break;
		case O_OWNER: cfg.owner_key = optarg; break;
		case O_LISTEN: cfg.listen = optarg; break;
		case O_METRICS: cfg.metrics = optarg; break;
		case O_WORKERS: bad |= number("--workers", optarg, 256, &cfg.workers); break;
		case O_LOG:
			if (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0) {
				broker_log_set_json(strcmp(optarg, "json") == 0);
			} else {
				fprintf(stderr, PROG ": --log-format: expected text or json, got '%s'\n", optarg);
				bad = 1;
			}
			break;
		case O_CERTS: cfg.certs.certs = optarg; break;
		case O_KDS: cfg.certs.kds = 1; break;
		case O_CACHE: cfg.certs.cache = optarg; break;
		case O_KDS_URL: cfg.certs.kds_url = optarg; break;
		case O_CA: cfg.certs.ca_file = optarg; break;
		case O_HS: bad |= number("--handshake-timeout", optarg, 3600, &hs); break;
		case O_EV: bad |= number("--evidence-timeout", optarg, 3600, &ev); break;
		case O_RES: bad |= number("--result-timeout", optarg, 3600, &res); break;
		case O_CLAIM: bad |= number("--claim-timeout", optarg, 86400, &claim); break;
		case O_SRATE: bad |= number("--source-rate", optarg, 1000000, &cfg.limits.source_per_minute); break;
		case O_SSESS: bad |= number("--source-sessions", optarg, 256, &cfg.limits.source_in_flight); break;
		case O_VRATE: bad |= number("--vm-rate", optarg, 1000000, &cfg.limits.vm_per_minute); break;
		case O_READY: cfg.ready_file = optarg; break;
		case O_FG: break;
		case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
		default: bad = 1;
		}
	}
	if (bad || optind != argc || !cfg.db || !cfg.master_key || !cfg.owner_key || !cfg.listen || !hs || !ev ||
	    !res || !claim) {
		if (!bad)
			fprintf(stderr, PROG ": need --db, --master-key, --owner-key and --listen (timeouts at least 1 s)\n");
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (claim <= res) {
		/* A claim younger than the result deadline may belong to a session
		 * still waiting for the guest's answer: taking it over would send
		 * the key a second time while the first may still unlock. */
		fprintf(stderr, PROG ": --claim-timeout (%u s) must exceed --result-timeout (%u s)\n", claim, res);
		return EXIT_USAGE;
	}
	cfg.limits.handshake_ms = hs * 1000;
	cfg.limits.evidence_ms = ev * 1000;
	cfg.limits.result_ms = res * 1000;
	cfg.limits.claim_timeout_s = claim;
	return broker_serve(&cfg);
}
