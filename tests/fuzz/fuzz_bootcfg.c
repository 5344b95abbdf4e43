/* boot.toml and kernel command-line parsing, as PID 1 does it at boot. The
 * input is split at the first NUL: TOML text before, command line after. */
#include <stdint.h>
#include <string.h>

#include "bootcfg/bootcfg.h"
#include "bootcfg/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_config cfg;
	static struct cmdline_overrides ov;
	char err[320];
	const uint8_t *nul = memchr(data, 0, size);
	size_t toml_len = nul ? (size_t)(nul - data) : size;
	const char *cmdline = nul ? (const char *)nul + 1 : "";
	size_t cmdline_len = nul ? size - toml_len - 1 : 0;
	if (cmdline_parse(cmdline, cmdline_len, &ov, err, sizeof err) != 0)
		ov.count = 0;
	bootcfg_load(&cfg, "fuzz.toml", (const char *)data, toml_len, &ov, err, sizeof err);
	return 0;
}
