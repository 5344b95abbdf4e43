/* Pieces shared by x509_*.c; not part of the public API. */
#ifndef SNPBOOT_X509_INTERNAL_H
#define SNPBOOT_X509_INTERNAL_H

#include "x509.h"

/* Writes "<what> at offset N: <problem>" into d's error buffer; returns -1. */
int x509_fail(struct der *d, const uint8_t *at, const char *what, const char *problem);
int x509_parse_sig_alg(struct der *d, enum x509_sig_alg *alg, const char *what);
int x509_parse_spki(struct der *d, struct x509_cert *c);
/* Name: checks its RDN structure, returns the whole TLV span. */
int x509_parse_name(struct der *d, struct x509_span *out, const char *what);
/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension; duplicates refused. */
int x509_parse_extensions(struct der *d, struct x509_ext *ext, size_t max, size_t *n_ext,
			  const char *what);

#endif
