/* The owner's TLS identity: its P-384 private key (a file checked like a
 * disk key: yours alone, mode 0600 or stricter, no symlink) in a fresh
 * self-signed certificate, which a guest's boot.toml pins by SPKI hash.
 * Used by `snpboot client` and by `snpboot broker serve` (the broker is the
 * owner its guests pin). */
#ifndef SNPBOOT_HOST_OWNER_IDENTITY_H
#define SNPBOOT_HOST_OWNER_IDENTITY_H

#include <stddef.h>

#include "chan/selfcert.h"

/* 0 with *cert, or -1 with err naming path. The PEM and the scalar are wiped. */
int owner_identity_load(const char *path, struct selfcert *cert, char *err, size_t err_len);

#endif
