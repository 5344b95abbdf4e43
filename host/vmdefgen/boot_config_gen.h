/* The first stage's boot.toml as config-generator proposes it: a template
 * (config/boot.toml) with the owner's pin in [channel] and the disk's pin in
 * [root] filled in. The command then loads the result with the first
 * stage's own parser and rules (init/bootcfg.c) before writing it. */
#ifndef SNPBOOT_HOST_BOOT_CONFIG_GEN_H
#define SNPBOOT_HOST_BOOT_CONFIG_GEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fills tmpl (len bytes; name for messages): its one line
 * "owner_key_sha256 = ..." becomes owner_key_sha256 = ["<owner_pin hex>"],
 * the pin lines (pin_lines, as `snpboot disk-pin` prints them) go right
 * after its "[root]" line, and pin_* lines it already had are dropped.
 * Returns a malloc'd NUL-terminated text with *out_len, or NULL with why in
 * err (not exactly one such line and one [root] table).
 */
char *boot_config_fill(const char *name, const char *tmpl, size_t len, const uint8_t owner_pin[32],
		       const char *pin_lines, size_t *out_len, char *err, size_t err_len);

#endif
