/* Host-side loader of an AMD certificate directory (see amd_certdir.h). */
#include "amd_certdir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/der.h"
#include "x509/pem.h"

/* Certificates and CRLs are a few KiB; anything far larger is not one. */
#define MAX_FILE (1u << 20)

/* Reads a whole file; returns 0, 1 if it does not exist, -1 on error. */
static int slurp(const char *path, uint8_t **buf, size_t *len, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		der_errf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	uint8_t *b = malloc(MAX_FILE + 1);
	if (!b) {
		fclose(f);
		der_errf(err, err_len, "%s: out of memory", path);
		return -1;
	}
	size_t n = fread(b, 1, MAX_FILE + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || n > MAX_FILE) {
		free(b);
		der_errf(err, err_len, "%s: %s", path, bad ? "read error" : "larger than 1 MiB");
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Decodes PEM block number `index` (0-based) of a file in place, or takes DER as is. */
static int to_der(const char *path, uint8_t *buf, size_t *len, int index, char *err, size_t err_len)
{
	if (!pem_detect((const char *)buf, *len)) {
		if (index != 0) {
			der_errf(err, err_len, "%s: DER file holds one certificate, block %d wanted", path, index);
			return -1;
		}
		return 0;
	}
	size_t pos = 0, out_len = 0;
	int r = 0;
	/* base64 shrinks, so decoding into a separate buffer of the same size always fits. */
	uint8_t *out = malloc(*len ? *len : 1);
	if (!out) {
		der_errf(err, err_len, "%s: out of memory", path);
		return -1;
	}
	for (int i = 0; i <= index; i++) {
		r = pem_next((const char *)buf, *len, &pos, NULL, out, *len, &out_len, err, err_len);
		if (r <= 0)
			break;
	}
	if (r == 0) {
		der_errf(err, err_len, "%s: PEM block %d not found", path, index);
	} else if (r < 0) {
		der_err_prefix(err, err_len, ": ");
		der_err_prefix(err, err_len, path);
	}
	if (r == 1) {
		memcpy(buf, out, out_len);
		*len = out_len;
	}
	free(out);
	return r == 1 ? 0 : -1;
}

/* Loads block `index` of dir/name; 1 if the file does not exist. */
static int load(const char *dir, const char *name, int index, uint8_t **buf, size_t *len, char *err, size_t err_len)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		der_errf(err, err_len, "%s: path too long", dir);
		return -1;
	}
	int r = slurp(path, buf, len, err, err_len);
	if (r)
		return r;
	if (to_der(path, *buf, len, index, err, err_len)) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

/* First existing file of names[] (NULL-terminated) into *buf. 1 if none exists. */
static int load_any(const char *dir, const char *const *names, int index, uint8_t **buf, size_t *len, char *err,
		    size_t err_len)
{
	for (; *names; names++) {
		int r = load(dir, *names, index, buf, len, err, err_len);
		if (r <= 0)
			return r;
	}
	return 1;
}

int amd_certdir_read_cert(const char *path, uint8_t **out, size_t *out_len, char *err, size_t err_len)
{
	int r = slurp(path, out, out_len, err, err_len);
	if (r == 1)
		der_errf(err, err_len, "%s: %s", path, strerror(ENOENT));
	if (r)
		return -1;
	if (to_der(path, *out, out_len, 0, err, err_len)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

void amd_certdir_free(struct amd_certdir *cd)
{
	free(cd->ark);
	free(cd->ask);
	free(cd->vcek);
	free(cd->crl);
	memset(cd, 0, sizeof(*cd));
}

int amd_certdir_load(const char *dir, struct amd_certdir *cd, char *err, size_t err_len)
{
	static const char *const ark_names[] = {"ark.pem", "ark.der", NULL};
	static const char *const ask_names[] = {"ask.pem", "ask.der", "asvk.pem", "asvk.der", NULL};
	static const char *const vcek_names[] = {"vcek.der", "vcek.pem", "vlek.der", "vlek.pem", NULL};
	static const char *const crl_names[] = {"crl.der", "crl.pem", NULL};
	static const char *const chain_names[] = {"cert_chain.pem", NULL};
	size_t ark_len = 0, ask_len = 0, vcek_len = 0, crl_len = 0, len;
	uint8_t *chain;
	int r;

	memset(cd, 0, sizeof(*cd));
	if (load_any(dir, ark_names, 0, &cd->ark, &ark_len, err, err_len) < 0 ||
	    load_any(dir, ask_names, 0, &cd->ask, &ask_len, err, err_len) < 0)
		goto fail;
	/* cert_chain.pem: block 0 is the ASK (or ASVK), block 1 the ARK. */
	for (int i = 0; i < 2; i++) {
		uint8_t **slot = i == 0 ? &cd->ask : &cd->ark;
		size_t *slot_len = i == 0 ? &ask_len : &ark_len;
		r = load_any(dir, chain_names, i, &chain, &len, err, err_len);
		if (r < 0)
			goto fail;
		if (r == 1)
			break;
		if (!*slot) {
			*slot = chain;
			*slot_len = len;
		} else {
			int same = *slot_len == len && memcmp(*slot, chain, len) == 0;
			free(chain);
			if (!same) {
				der_errf(err, err_len, "%s: cert_chain.pem %s differs from %s", dir, i ? "ARK" : "ASK",
					 i ? "ark.pem" : "ask.pem");
				goto fail;
			}
		}
	}
	if (load_any(dir, vcek_names, 0, &cd->vcek, &vcek_len, err, err_len) < 0 ||
	    load_any(dir, crl_names, 0, &cd->crl, &crl_len, err, err_len) < 0)
		goto fail;
	if (!cd->ark || !cd->ask || !cd->vcek) {
		der_errf(err, err_len, "%s: missing %s (expected ark.pem, ask.pem or cert_chain.pem, and vcek.der/.pem)",
			 dir, !cd->ark ? "ARK" : !cd->ask ? "ASK" : "VCEK");
		goto fail;
	}
	cd->certs.ark = cd->ark;
	cd->certs.ark_len = ark_len;
	cd->certs.ask = cd->ask;
	cd->certs.ask_len = ask_len;
	cd->certs.vcek = cd->vcek;
	cd->certs.vcek_len = vcek_len;
	cd->certs.crl = cd->crl;
	cd->certs.crl_len = crl_len;
	return 0;
fail:
	amd_certdir_free(cd);
	return -1;
}
