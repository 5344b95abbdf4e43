/* GUID text <-> binary (guid.h). */
#include "guid.h"

#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Where byte i of the binary form comes from in the text's digit pairs:
 * the first three fields are stored little-endian, the last two as read. */
static const uint8_t text_order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

int guid_parse(const char *text, uint8_t out[16])
{
	uint8_t seq[16];
	size_t n = 0;
	if (strlen(text) != GUID_TEXT_LEN)
		return -1;
	for (size_t i = 0; i < GUID_TEXT_LEN; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash) {
			if (text[i] != '-')
				return -1;
			continue;
		}
		int hi = hexval(text[i]), lo = i + 1 < GUID_TEXT_LEN ? hexval(text[i + 1]) : -1;
		if (hi < 0 || lo < 0)
			return -1;
		seq[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	for (size_t i = 0; i < 16; i++)
		out[i] = seq[text_order[i]];
	return 0;
}

void guid_format(char out[GUID_TEXT_LEN + 1], const uint8_t in[16])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t seq[16];
	size_t o = 0;
	for (size_t i = 0; i < 16; i++)
		seq[text_order[i]] = in[i];
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = digits[seq[i] >> 4];
		out[o++] = digits[seq[i] & 15];
	}
	out[o] = '\0';
}
