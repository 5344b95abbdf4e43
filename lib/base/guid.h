/* GUIDs as the SVSM specification (AMD #58019) and the kernel's guid_t
 * use them: the text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and the
 * 16-byte binary form whose first three fields are little-endian (the
 * UEFI/Microsoft layout; Linux guid_parse() and export_guid()). The
 * configfs-tsm attribute service_guid takes the text form; the simulated
 * platform's wire protocol carries the binary form. */
#ifndef SNPBOOT_BASE_GUID_H
#define SNPBOOT_BASE_GUID_H

#include <stddef.h>
#include <stdint.h>

#define GUID_TEXT_LEN 36 /* without the NUL */

/* The SVSM vTPM service (SVSM spec #58019, "vTPM service attestation";
 * COCONUT-SVSM kernel/src/protocols/attest.rs SVSM_ATTEST_VTPM_GUID). */
#define GUID_SVSM_VTPM "c476f1eb-0123-45a5-9641-b4e7dde5bfe3"

/* Parses exactly 36 characters of text form (hex digits of either case);
 * 0 with out filled, or -1 for anything else. */
int guid_parse(const char *text, uint8_t out[16]);
/* The lower-case text form of a binary GUID into out[GUID_TEXT_LEN + 1]. */
void guid_format(char out[GUID_TEXT_LEN + 1], const uint8_t in[16]);

#endif
