#include "cmdline.h"

#include <stdio.h>
#include <string.h>

static const char prefix[] = "snpboot.";

/* Copies the next word into word (quotes removed); returns the position after it. */
static size_t next_word(const char *s, size_t len, size_t pos, char *word, size_t cap, int *too_long)
{
	size_t n = 0;
	int quoted = 0;
	*too_long = 0;
	for (; pos < len && s[pos] != '\0'; pos++) {
		char c = s[pos];
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (c == ' ' || c == '\t' || c == '\n'))
			break;
		if (n + 1 < cap)
			word[n++] = c;
		else
			*too_long = 1;
	}
	word[n] = '\0';
	return pos;
}

int cmdline_parse(const char *s, size_t len, struct cmdline_overrides *out, char *err, size_t err_len)
{
	char word[sizeof out->items[0].key + sizeof out->items[0].value + sizeof prefix];
	size_t pos = 0;
	out->count = 0;
	while (pos < len && s[pos] != '\0') {
		if (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n') {
			pos++;
			continue;
		}
		int too_long;
		pos = next_word(s, len, pos, word, sizeof word, &too_long);
		if (strncmp(word, prefix, sizeof prefix - 1) != 0)
			continue;
		if (too_long) {
			snprintf(err, err_len, "kernel command line: word '%.40s...' is too long", word);
			return -1;
		}
		const char *key = word + sizeof prefix - 1;
		const char *eq = strchr(key, '=');
		if (!eq || eq == key) {
			snprintf(err, err_len, "kernel command line: '%s' needs the form snpboot.SECTION.KEY=VALUE", word);
			return -1;
		}
		size_t key_len = (size_t)(eq - key);
		if (key_len >= sizeof out->items[0].key || strlen(eq + 1) >= sizeof out->items[0].value) {
			snprintf(err, err_len, "kernel command line: '%.60s' is too long", word);
			return -1;
		}
		if (out->count == CMDLINE_MAX_OVERRIDES) {
			snprintf(err, err_len, "kernel command line: more than %d snpboot.* words", CMDLINE_MAX_OVERRIDES);
			return -1;
		}
		struct cmdline_override *o = &out->items[out->count++];
		memcpy(o->key, key, key_len);
		o->key[key_len] = '\0';
		strcpy(o->value, eq + 1);
	}
	return 0;
}
