/* The SEV kernel-hashes table QEMU writes into the firmware's reserved
 * page (kernel-hashes=on), so that the launch digest covers the kernel,
 * initrd and command line it loads. */
#ifndef SNPBOOT_MEASURE_HASHES_H
#define SNPBOOT_MEASURE_HASHES_H

#include <stddef.h>
#include <stdint.h>

#include "measure_gctx.h"

#define MEASURE_SHA256_LEN 32
/* GUID + u16 length + 3 entries of (GUID + u16 length + SHA-256). */
#define MEASURE_HASHES_TABLE_LEN 168
/* QEMU pads the table to 16 bytes when it copies it. */
#define MEASURE_HASHES_TABLE_PADDED_LEN 176

struct measure_kernel_hashes {
	uint8_t kernel[MEASURE_SHA256_LEN];
	uint8_t initrd[MEASURE_SHA256_LEN];  /* SHA-256 of the empty string when no initrd */
	uint8_t cmdline[MEASURE_SHA256_LEN]; /* SHA-256 of the append string and its NUL */
};

/* SHA-256 of the command line as QEMU hashes it: the bytes of append plus
 * one terminating NUL; no append (NULL) hashes a lone NUL. */
void measure_cmdline_hash(uint8_t out[MEASURE_SHA256_LEN], const char *append);
/* SHA-256 of a buffer (kernel or initrd already in memory). */
void measure_sha256(uint8_t out[MEASURE_SHA256_LEN], const uint8_t *data, size_t len);
/* Writes the padded table: header, then cmdline, initrd, kernel entries. */
void measure_hashes_table(uint8_t out[MEASURE_HASHES_TABLE_PADDED_LEN], const struct measure_kernel_hashes *h);
/* Writes the 4096-byte page that holds the table at offset (zeros around
 * it). Returns -1 if the table does not fit in the page at that offset. */
int measure_hashes_page(uint8_t page[MEASURE_PAGE_SIZE], size_t offset, const struct measure_kernel_hashes *h);

#endif
