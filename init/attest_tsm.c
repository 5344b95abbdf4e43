/* configfs-tsm (Documentation/ABI/testing/configfs-tsm-report): a report
 * is an entry directory under /sys/kernel/config/tsm/report. We make our
 * own entry so no one else's writes land in it, and check `generation`
 * anyway: it counts every write to the entry, so a step larger than our own
 * writes means someone else wrote between our inblob and our outblob read.
 *
 * Binary attributes (inblob) are committed when the file is closed, so each
 * write gets its own open/close.
 *
 * The SVSM's service attestation (Linux 6.10+; configfs-tsm-report ABI:
 * service_provider, service_guid, service_manifest_version, manifestblob;
 * drivers/virt/coco/tsm.c): writing "svsm" to service_provider makes the
 * kernel ask the SVSM (SVSM_ATTEST_SERVICES, or SVSM_ATTEST_SINGLE_SERVICE
 * when service_guid is set) instead of the firmware; the report's
 * REPORT_DATA is then SHA-512(inblob || manifest) and manifestblob holds
 * the manifest. Each of those writes advances the generation like the
 * others. Only plain open/read/write/mkdir/rmdir are
 * used, which lets the tests run this against ordinary files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest_impl.h"

#define OUTBLOB_CAP 4096u /* SNP: the report is at most 4000 - 0x20 bytes */

/* Reads attribute `name` of the entry into buf (cap bytes) until EOF.
 * 0 with *len, or -1 with errno (EFBIG if it does not fit). */
static int read_attr(int dirfd, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t extra;
	size_t n = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = n < cap ? read(fd, buf + n, cap - n) : read(fd, &extra, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		if (n >= cap) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return 0;
}

/* One write, then close: configfs commits binary attributes on release. */
static int write_attr(int dirfd, const char *name, const void *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w;
	do
		w = write(fd, data, len);
	while (w < 0 && errno == EINTR);
	int write_errno = errno;
	int closed = close(fd);
	int close_errno = errno;
	if (w < 0) {
		errno = write_errno;
		return -1;
	}
	if ((size_t)w != len) {
		errno = EIO; /* attributes take the whole value in one write */
		return -1;
	}
	if (closed != 0) {
		errno = close_errno;
		return -1;
	}
	return 0;
}

/* Text attribute -> trimmed string. */
static int read_text(int dirfd, const char *name, char *out, size_t out_len)
{
	size_t n;
	if (out_len == 0 || read_attr(dirfd, name, (uint8_t *)out, out_len - 1, &n) != 0)
		return -1;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	return 0;
}

static int read_generation(int dirfd, uint64_t *gen, char *err, size_t err_len)
{
	char text[32], *end;
	if (read_text(dirfd, "generation", text, sizeof text) != 0) {
		snprintf(err, err_len, "configfs-tsm: reading generation: %s", strerror(errno));
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0) {
		char shown[32];
		attest_sanitize(shown, sizeof shown, (const uint8_t *)text, strlen(text));
		snprintf(err, err_len, "configfs-tsm: generation is not a number: \"%s\"", shown);
		return -1;
	}
	*gen = v;
	return 0;
}

int attest_tsm_generation_ok(uint64_t before, uint64_t after, unsigned writes)
{
	/* Unsigned difference: also right across a wrap of the counter. */
	return after - before <= (uint64_t)writes;
}

static int check_provider(int dirfd, char *err, size_t err_len)
{
	char name[64], shown[64];
	if (read_text(dirfd, "provider", name, sizeof name) != 0) {
		snprintf(err, err_len, "configfs-tsm: reading provider: %s", strerror(errno));
		return -1;
	}
	if (strcmp(name, ATTEST_TSM_PROVIDER_SNP) != 0) {
		attest_sanitize(shown, sizeof shown, (const uint8_t *)name, strlen(name));
		snprintf(err, err_len, "configfs-tsm: provider is \"%s\", not SEV-SNP (\"%s\")", shown,
			 ATTEST_TSM_PROVIDER_SNP);
		return -1;
	}
	return 0;
}

/* privlevel: absent on kernels/providers without the attribute; fine for
 * VMPL 0 (the default), not for a higher VMPL we could not ask for.
 * Returns the number of writes made (0 or 1), or -1. */
static int write_privlevel(int dirfd, uint32_t vmpl, char *err, size_t err_len)
{
	char text[16];
	int len = snprintf(text, sizeof text, "%u\n", vmpl);
	if (write_attr(dirfd, "privlevel", text, (size_t)len) == 0)
		return 1;
	if (errno == ENOENT && vmpl == 0)
		return 0;
	if (errno == ENOENT) {
		snprintf(err, err_len, "configfs-tsm: no privlevel attribute, cannot request VMPL %u", vmpl);
		return -1;
	}
	int e = errno;
	char floor[16] = "?";
	if (read_text(dirfd, "privlevel_floor", floor, sizeof floor) != 0)
		snprintf(floor, sizeof floor, "?");
	snprintf(err, err_len, "configfs-tsm: writing privlevel %u: %s (privlevel_floor %s)", vmpl, strerror(e), floor);
	return -1;
}

/* service_provider, then service_guid and service_manifest_version when a
 * single service is asked for (the kernel uses the version only with a
 * GUID). Returns the number of writes made, or -1. An absent
 * service_provider is an older kernel (or a provider without SVSM support):
 * said as such, since asking the firmware instead would not be what the
 * owner expects. */
static int write_service(int dirfd, const struct attest_service *svc, char *err, size_t err_len)
{
	static const char provider[] = "svsm\n";
	char text[16];
	int writes = 0;
	if (write_attr(dirfd, "service_provider", provider, sizeof provider - 1) != 0) {
		if (errno == ENOENT)
			snprintf(err, err_len,
				 "configfs-tsm: no service_provider attribute: this kernel (before Linux 6.10, or a "
				 "TSM without SVSM support) cannot ask the SVSM for its service attestation");
		else
			snprintf(err, err_len, "configfs-tsm: writing service_provider \"svsm\": %s", strerror(errno));
		return -1;
	}
	writes++;
	if (!svc->guid[0])
		return writes;
	if (write_attr(dirfd, "service_guid", svc->guid, strlen(svc->guid)) != 0) {
		snprintf(err, err_len, "configfs-tsm: writing service_guid %s: %s", svc->guid, strerror(errno));
		return -1;
	}
	writes++;
	int len = snprintf(text, sizeof text, "%u\n", svc->manifest_version);
	if (write_attr(dirfd, "service_manifest_version", text, (size_t)len) != 0) {
		snprintf(err, err_len, "configfs-tsm: writing service_manifest_version %u: %s", svc->manifest_version,
			 strerror(errno));
		return -1;
	}
	return writes + 1;
}

/* manifestblob into ev: bounded (ATTEST_MANIFEST_MAX), never cut. */
static int read_manifest(int dirfd, struct attest_evidence *ev, char *err, size_t err_len)
{
	size_t n = 0;
	if (read_attr(dirfd, "manifestblob", ev->manifest, sizeof ev->manifest, &n) != 0) {
		if (errno == EFBIG)
			snprintf(err, err_len, "configfs-tsm: manifestblob is larger than %u bytes: refused, not cut",
				 (unsigned)ATTEST_MANIFEST_MAX);
		else if (errno == ENOENT)
			snprintf(err, err_len, "configfs-tsm: no manifestblob attribute: the kernel gave no service "
					       "manifest");
		else
			snprintf(err, err_len, "configfs-tsm: reading manifestblob: %s", strerror(errno));
		return -1;
	}
	ev->manifest_len = n;
	ev->has_manifest = 1;
	return 0;
}

static int read_blobs(int dirfd, struct attest_evidence *ev, char *err, size_t err_len)
{
	static uint8_t out[OUTBLOB_CAP];
	size_t n;
	if (read_attr(dirfd, "outblob", out, sizeof out, &n) != 0) {
		snprintf(err, err_len, "configfs-tsm: reading outblob: %s", strerror(errno));
		return -1;
	}
	/* The kernel hands over the firmware's report_size bytes: 1184 today.
	 * A longer report from newer firmware keeps the 1184-byte layout (the
	 * signature at 0x2A0 covers 0x000-0x29F), so its first 1184 bytes are
	 * a complete report. */
	if (n < ATTEST_REPORT_LEN) {
		snprintf(err, err_len, "configfs-tsm: outblob is %zu bytes, expected at least %u", n, ATTEST_REPORT_LEN);
		return -1;
	}
	memcpy(ev->report, out, ATTEST_REPORT_LEN);
	ev->report_len = ATTEST_REPORT_LEN;

	ev->certs_len = 0;
	if (read_attr(dirfd, "auxblob", ev->certs, sizeof ev->certs, &n) != 0) {
		if (errno == ENOENT)
			return 0; /* no certificate table on this kernel: fine */
		snprintf(err, err_len, "configfs-tsm: reading auxblob: %s", strerror(errno));
		return -1;
	}
	size_t used;
	char why[160];
	if (attest_certtable_used(ev->certs, n, &used, why, sizeof why) != 0) {
		snprintf(err, err_len, "configfs-tsm: auxblob: %s", why);
		return -1;
	}
	ev->certs_len = used;
	return 0;
}

int attest_tsm_run(const char *entry, const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
		   struct attest_evidence *ev, char *err, size_t err_len)
{
	uint64_t gen0, gen1;
	int rc = -1;
	ev->report_len = ev->certs_len = ev->manifest_len = 0;
	ev->has_manifest = 0;
	int dirfd = open(entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(err, err_len, "configfs-tsm: %s: %s", entry, strerror(errno));
		return -1;
	}
	if (check_provider(dirfd, err, err_len) != 0 || read_generation(dirfd, &gen0, err, err_len) != 0)
		goto out;
	/* With a service, the SVSM (at VMPL 0) asks for the report: privlevel
	 * plays no part (the kernel's SVSM path does not read it). */
	int writes = svc ? write_service(dirfd, svc, err, err_len) : write_privlevel(dirfd, vmpl, err, err_len);
	if (writes < 0)
		goto out;
	if (write_attr(dirfd, "inblob", report_data, 64) != 0) {
		snprintf(err, err_len, "configfs-tsm: writing inblob: %s", strerror(errno));
		goto out;
	}
	writes++;
	if (read_blobs(dirfd, ev, err, err_len) != 0 || (svc && read_manifest(dirfd, ev, err, err_len) != 0) ||
	    read_generation(dirfd, &gen1, err, err_len) != 0)
		goto out;
	if (!attest_tsm_generation_ok(gen0, gen1, (unsigned)writes)) {
		snprintf(err, err_len,
			 "configfs-tsm: generation went from %llu to %llu across our %d write(s): another writer "
			 "used the entry",
			 (unsigned long long)gen0, (unsigned long long)gen1, writes);
		goto out;
	}
	snprintf(ev->provider, sizeof ev->provider, "configfs-tsm");
	rc = 0;
out:
	close(dirfd);
	if (rc != 0) {
		ev->report_len = ev->certs_len = ev->manifest_len = 0;
		ev->has_manifest = 0;
	}
	return rc;
}

int attest_tsm_get(const char *root, const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
		   struct attest_evidence *ev, char *err, size_t err_len)
{
	static unsigned counter;
	char entry[512];
	int made = 0;
	for (int tries = 0; tries < 8 && !made; tries++) {
		int n = snprintf(entry, sizeof entry, "%s/snpboot-%ld-%u", root, (long)getpid(), counter++);
		if (n < 0 || (size_t)n >= sizeof entry) {
			snprintf(err, err_len, "configfs-tsm: path too long: %s", root);
			return -1;
		}
		if (mkdir(entry, 0700) == 0)
			made = 1;
		else if (errno != EEXIST) {
			snprintf(err, err_len, "configfs-tsm: mkdir %s: %s", entry, strerror(errno));
			return -1;
		}
	}
	if (!made) {
		snprintf(err, err_len, "configfs-tsm: no free entry name under %s", root);
		return -1;
	}
	int rc = attest_tsm_run(entry, report_data, vmpl, svc, ev, err, err_len);
	/* configfs drops the entry and its attributes with rmdir. A failure
	 * leaves one stale entry behind, which harms nothing and must not
	 * throw away a good report, so it is not an error. */
	(void)rmdir(entry);
	return rc;
}
