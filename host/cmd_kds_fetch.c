/* `snpboot kds-fetch`: the AMD certificates for a report, cached or from KDS. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli/file_io.h"
#include "https/https_get.h"
#include "snp/kds.h"
#include "client/kds_fetch.h"

#define PROG "snpboot kds-fetch"

static const char kds_usage[] =
	"usage: snpboot kds-fetch --report FILE [--cache DIR] [--product milan|genoa|turin]\n"
	"                         [--kds-url URL] [--ca-file FILE]\n"
	"\n"
	"Fetches the AMD certificates a report needs (cert_chain, the VCEK for its\n"
	"CHIP_ID and REPORTED_TCB, the CRL when KDS has one) from AMD KDS over HTTPS\n"
	"into the cache, or finds them there, and prints the paths. The directory\n"
	"printed as 'certs' works as `snpboot report verify --certs DIR`. Nothing\n"
	"here is trusted: verification checks the chain against the pinned AMD roots.\n"
	"\n"
	"  --report FILE     the attestation report (1184 bytes)\n"
	"  --cache DIR       cache directory (default $XDG_CACHE_HOME/snpboot/kds or\n"
	"                    ~/.cache/snpboot/kds)\n"
	"  --product NAME    needed for v2 reports, which do not name their product\n"
	"  --kds-url URL     KDS base URL (default " KDS_BASE_URL ")\n"
	"  --ca-file FILE    PEM CA bundle for TLS (default " HTTPS_DEFAULT_CA_FILE ")\n"
	"\n"
	"Exit: 0 ok, 1 fetch failed, 2 usage, 3 unreadable or malformed report.\n";

int cmd_kds_fetch(int argc, char **argv)
{
	const char *report = NULL, *cache = NULL, *product = NULL, *kds_url = NULL, *ca_file = NULL;
	static const struct option opts[] = {{"report", required_argument, NULL, 'r'},
					     {"cache", required_argument, NULL, 'c'},
					     {"product", required_argument, NULL, 'p'},
					     {"kds-url", required_argument, NULL, 'U'},
					     {"ca-file", required_argument, NULL, 'A'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	optind = 1;
	for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
		switch (c) {
		case 'r': report = optarg; break;
		case 'c': cache = optarg; break;
		case 'p': product = optarg; break;
		case 'U': kds_url = optarg; break;
		case 'A': ca_file = optarg; break;
		case 'h': fputs(kds_usage, stdout); return 0;
		default: fputs(kds_usage, stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		fputs(kds_usage, stderr);
		return 2;
	}
	char def_cache[KDS_PATH_MAX], vdir[KDS_PATH_MAX], err[1024];
	if (!cache && kds_default_cache_dir(def_cache, sizeof def_cache) == 0)
		cache = def_cache;
	if (!report || !cache) {
		fprintf(stderr, PROG ": need --report (and --cache when neither XDG_CACHE_HOME nor HOME is set)\n");
		fputs(kds_usage, stderr);
		return 2;
	}
	enum snp_product hint = SNP_PRODUCT_UNKNOWN;
	if (product && snp_product_parse(product, &hint) != 0) {
		fprintf(stderr, PROG ": --product: expected milan, genoa or turin, got '%s'\n", product);
		return 2;
	}
	size_t len;
	char *buf = file_read_all(PROG, report, 64u * 1024, &len);
	if (!buf)
		return 3;
	struct amd_certdir cd;
	int rc = kds_fetch_for_report((const uint8_t *)buf, len, hint, cache, kds_url, ca_file, &cd, vdir, sizeof vdir,
				      err, sizeof err);
	free(buf);
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return strncmp(err, "report: ", 8) == 0 ? 3 : 1;
	}
	printf("certs: %s\n", vdir);
	printf("cert_chain: %s/cert_chain.pem\n", vdir);
	printf("vcek: %s/vcek.der\n", vdir);
	if (cd.certs.crl)
		printf("crl: %s/crl.der\n", vdir);
	else
		printf("crl: none\n");
	amd_certdir_free(&cd);
	return 0;
}
