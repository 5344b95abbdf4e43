/* Pieces shared by amd_*.c; not part of the public API. */
#ifndef SNPBOOT_AMD_INTERNAL_H
#define SNPBOOT_AMD_INTERNAL_H

#include "amd_cert.h"
#include "x509/x509.h"

/* amd_vcek_ext_parse on an already parsed certificate. */
int amd_vcek_ext_from_cert(const struct x509_cert *c, struct amd_vcek_ext *ext, char *err, size_t err_len);

#endif
