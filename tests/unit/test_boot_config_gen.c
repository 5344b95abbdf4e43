/* config-generator --boot-config: filling a boot.toml template with pins. */
#include <stdlib.h>

#include "../tap.h"
#include "vmdefgen/boot_config_gen.h"

static char err[256];

static char *fill(const char *tmpl, const char *pins)
{
	uint8_t pin[32];
	size_t len = 0;
	memset(pin, 0xab, sizeof pin);
	err[0] = '\0';
	char *out = boot_config_fill("t.toml", tmpl, strlen(tmpl), pin, pins, &len, err, sizeof err);
	if (out && strlen(out) != len)
		diag("length %zu, strlen %zu", len, strlen(out));
	return out;
}

#define OWNER_LINE "owner_key_sha256 = [\"abababababababababababababababababababababababababababababababab\"]\n"

int main(void)
{
	char *out = fill("[channel]\nmode = \"listen\"\nowner_key_sha256 = []\n[root]\ndevice = \"/dev/vda\"\n",
			 "pin_cipher = \"aes-xts-plain64\"\npin_key_size = 64\n");
	ok(out != NULL, "a template with [channel] and [root] is filled: %s", err);
	is_str(out ? out : "",
	       "[channel]\nmode = \"listen\"\n" OWNER_LINE "[root]\npin_cipher = \"aes-xts-plain64\"\npin_key_size = 64\n"
	       "device = \"/dev/vda\"\n",
	       "owner line replaced, pins right after [root]");
	free(out);

	out = fill("owner_key_sha256 = [\"00\"]\n[root] # the disk\npin_cipher = \"old\"\npin_size = \"dynamic\"\nx = 1",
		   "pin_cipher = \"new\"\n");
	is_str(out ? out : "", OWNER_LINE "[root] # the disk\npin_cipher = \"new\"\nx = 1\n",
	       "an older pin is dropped, a comment after [root] is fine, a last line gets its newline");
	free(out);

	ok(fill("[channel]\n[root]\n", "") == NULL && strstr(err, "found 0 and 1"), "no owner_key_sha256 line: %s", err);
	ok(fill("owner_key_sha256 = []\n[rootfs]\n", "") == NULL && strstr(err, "found 1 and 0"),
	   "[rootfs] is not [root]: %s", err);
	ok(fill("owner_key_sha256 = []\nowner_key_sha256 = []\n[root]\n", "") == NULL && strstr(err, "found 2 and 1"),
	   "two owner lines: %s", err);
	ok(fill("owner_key_sha256 = []\n[root]\n[root]\n", "") == NULL && strstr(err, "found 1 and 2"),
	   "two [root] tables: %s", err);
	/* Many owner lines: the output buffer must hold every replacement. */
	char big[4096] = "";
	for (int i = 0; i < 100; i++)
		strcat(big, "owner_key_sha256=1\n");
	strcat(big, "[root]\n");
	ok(fill(big, "") == NULL && strstr(err, "found 100 and 1"), "a hundred short owner lines: refused, no overflow");
	return done_testing();
}
