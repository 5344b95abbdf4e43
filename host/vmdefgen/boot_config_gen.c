/* boot.toml proposals; see boot_config_gen.h. */
#include "boot_config_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"

/* Appends n bytes; the caller sized the buffer for the whole result. */
static void put(char *buf, size_t *len, const char *s, size_t n)
{
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

static int starts_with(const char *line, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n >= p && memcmp(line, prefix, p) == 0;
}

char *boot_config_fill(const char *name, const char *tmpl, size_t len, const uint8_t owner_pin[32],
		       const char *pin_lines, size_t *out_len, char *err, size_t err_len)
{
	char owner[96], hex[65];
	size_t used = 0, pins = strlen(pin_lines);
	int owners = 0, roots = 0;
	hex_encode(hex, owner_pin, 32);
	int n = snprintf(owner, sizeof owner, "owner_key_sha256 = [\"%s\"]\n", hex);
	/* At most: the template, one owner line and the pins once per [root]
	 * (more than one [root] is refused below), and a final newline. The
	 * owner line may replace several; each costs at most its own length. */
	size_t cap = len + (len / 16 + 1) * (size_t)n + pins + 2;
	char *out = malloc(cap);
	if (!out) {
		(void)err_set(err, err_len, "%s: out of memory", name);
		return NULL;
	}
	out[0] = '\0';
	for (size_t at = 0; at < len;) {
		const char *line = tmpl + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t line_len = nl ? (size_t)(nl - line) + 1 : len - at;
		at += line_len;
		if (starts_with(line, line_len, "owner_key_sha256 =") || starts_with(line, line_len, "owner_key_sha256=")) {
			owners++;
			put(out, &used, owner, (size_t)n);
			continue;
		}
		if (starts_with(line, line_len, "pin_"))
			continue; /* an older pin: replaced by the one below [root] */
		put(out, &used, line, line_len);
		if (!nl)
			put(out, &used, "\n", 1);
		if (starts_with(line, line_len, "[root]") &&
		    (line_len == 6 || line[6] == '\n' || line[6] == ' ' || line[6] == '#') && roots++ == 0)
			put(out, &used, pin_lines, pins);
	}
	if (owners != 1 || roots != 1) {
		free(out);
		(void)err_set(err, err_len,
			      "%s: expected one 'owner_key_sha256 = ...' line and one [root] table to fill, found %d and "
			      "%d",
			      name, owners, roots);
		return NULL;
	}
	*out_len = used;
	return out;
}
