/* /dev/sev-guest (include/uapi/linux/sev-guest.h): SNP_GET_EXT_REPORT
 * returns the report and the host's certificate table in one go. The
 * certificate buffer starts at 4 pages; a host holding more answers with
 * vmm_error "invalid length" (upper half of exitinfo2) and the size it
 * needs in certs_len, and we ask once more. If the extended request fails
 * any other way (older hypervisors do not offer it) the plain
 * SNP_GET_REPORT still gives the report: certificates are a convenience
 * (the owner can fetch them from AMD), the report is what matters. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/sev-guest.h>

#include "attest_impl.h"
#include "base/bytes.h"

#define PAGE_BYTES 4096u
#define CERTS_FIRST_LEN (4u * PAGE_BYTES)
#define RESP_HDR_LEN 0x20u /* status u32, report_size u32, 24 reserved */
#define MSG_VERSION 1u

/* The kernel copies at most certs_len bytes here; a page multiple. */
static uint8_t certs_buf[ATTEST_CERTS_MAX];

_Static_assert(sizeof certs_buf % PAGE_BYTES == 0, "certificate buffer must be whole pages");
_Static_assert(sizeof(struct snp_report_resp) == 4000, "uapi snp_report_resp layout");

int attest_sevguest_parse_resp(const uint8_t *resp, size_t len, struct attest_evidence *ev, char *err,
			       size_t err_len)
{
	ev->report_len = 0;
	if (len < RESP_HDR_LEN) {
		snprintf(err, err_len, "sev-guest: response is %zu bytes, shorter than its header", len);
		return -1;
	}
	uint32_t status = le32_load(resp), size = le32_load(resp + 4);
	if (status != 0) {
		/* 0x16: invalid parameter, e.g. a VMPL below the guest's own. */
		snprintf(err, err_len, "sev-guest: firmware status 0x%x%s", status,
			 status == 0x16 ? " (invalid parameter; is the VMPL below the guest's own?)" : "");
		return -1;
	}
	if (size < ATTEST_REPORT_LEN || size > len - RESP_HDR_LEN) {
		snprintf(err, err_len, "sev-guest: report_size %u outside %u..%zu", size, ATTEST_REPORT_LEN,
			 len - RESP_HDR_LEN);
		return -1;
	}
	/* As with configfs-tsm: a longer report keeps the 1184-byte layout. */
	memcpy(ev->report, resp + RESP_HDR_LEN, ATTEST_REPORT_LEN);
	ev->report_len = ATTEST_REPORT_LEN;
	return 0;
}

static void describe_failure(char *out, size_t out_len, int err_no, uint64_t exitinfo2)
{
	uint32_t fw = (uint32_t)exitinfo2, vmm = (uint32_t)(exitinfo2 >> 32);
	const char *hint = "";
	if (err_no == ENOTTY)
		hint = "; the driver lacks the request or disabled its key after an earlier error";
	else if (vmm == SNP_GUEST_VMM_ERR_BUSY)
		hint = "; the host stayed busy";
	snprintf(out, out_len, "%s (fw_error 0x%x, vmm_error 0x%x%s)", strerror(err_no), fw, vmm, hint);
}

/* The extended request. 0 done (ev filled or err set, *rc says which);
 * -1: it failed in a way the plain request may avoid, reason in why. */
static int ext_report(attest_ioctl_fn fn, void *ctx, const uint8_t report_data[64], uint32_t vmpl,
		      struct attest_evidence *ev, int *rc, char *why, size_t why_len, char *err, size_t err_len)
{
	static struct snp_report_resp resp;
	struct snp_ext_report_req req;
	uint32_t certs_len = CERTS_FIRST_LEN;
	for (int attempt = 0; attempt < 2; attempt++) {
		memset(&req, 0, sizeof req);
		memcpy(req.data.user_data, report_data, 64);
		req.data.vmpl = vmpl;
		req.certs_address = (uintptr_t)certs_buf;
		req.certs_len = certs_len;
		memset(certs_buf, 0, sizeof certs_buf);
		memset(&resp, 0, sizeof resp);
		struct snp_guest_request_ioctl io;
		memset(&io, 0, sizeof io);
		io.msg_version = MSG_VERSION;
		io.req_data = (uintptr_t)&req;
		io.resp_data = (uintptr_t)&resp;
		if (fn(ctx, SNP_GET_EXT_REPORT, &io) == 0) {
			size_t used;
			char tab[160];
			*rc = -1;
			if (attest_sevguest_parse_resp(resp.data, sizeof resp.data, ev, err, err_len) != 0)
				return 0;
			if (attest_certtable_used(certs_buf, certs_len, &used, tab, sizeof tab) != 0) {
				snprintf(err, err_len, "sev-guest: %s", tab);
				ev->report_len = 0;
				return 0;
			}
			memcpy(ev->certs, certs_buf, used);
			ev->certs_len = used;
			*rc = 0;
			return 0;
		}
		int e = errno;
		uint32_t vmm = (uint32_t)(io.exitinfo2 >> 32);
		if (vmm == SNP_GUEST_VMM_ERR_INVALID_LEN && attempt == 0) {
			uint32_t need = req.certs_len; /* the kernel wrote back what the host needs */
			if (need > certs_len && need <= sizeof certs_buf && need % PAGE_BYTES == 0) {
				certs_len = need;
				continue;
			}
			snprintf(why, why_len, "host wants a %u-byte certificate buffer (we offer up to %zu)", need,
				 sizeof certs_buf);
			return -1;
		}
		describe_failure(why, why_len, e, io.exitinfo2);
		return -1;
	}
	snprintf(why, why_len, "host still reports invalid length after growing the certificate buffer");
	return -1;
}

static int plain_report(attest_ioctl_fn fn, void *ctx, const uint8_t report_data[64], uint32_t vmpl,
			struct attest_evidence *ev, char *why, size_t why_len)
{
	static struct snp_report_resp resp;
	struct snp_report_req req;
	memset(&req, 0, sizeof req);
	memcpy(req.user_data, report_data, 64);
	req.vmpl = vmpl;
	memset(&resp, 0, sizeof resp);
	struct snp_guest_request_ioctl io;
	memset(&io, 0, sizeof io);
	io.msg_version = MSG_VERSION;
	io.req_data = (uintptr_t)&req;
	io.resp_data = (uintptr_t)&resp;
	if (fn(ctx, SNP_GET_REPORT, &io) != 0) {
		char d[160];
		describe_failure(d, sizeof d, errno, io.exitinfo2);
		snprintf(why, why_len, "SNP_GET_REPORT: %s", d);
		return -1;
	}
	if (attest_sevguest_parse_resp(resp.data, sizeof resp.data, ev, why, why_len) != 0)
		return -1;
	ev->certs_len = 0;
	return 0;
}

int attest_sevguest_exchange(attest_ioctl_fn fn, void *ctx, const uint8_t report_data[64], uint32_t vmpl,
			     struct attest_evidence *ev, char *err, size_t err_len)
{
	char ext_why[256], plain_why[256];
	int rc = -1;
	ev->report_len = ev->certs_len = 0;
	if (ext_report(fn, ctx, report_data, vmpl, ev, &rc, ext_why, sizeof ext_why, err, err_len) == 0) {
		if (rc == 0)
			snprintf(ev->provider, sizeof ev->provider, "sev-guest");
		return rc;
	}
	if (plain_report(fn, ctx, report_data, vmpl, ev, plain_why, sizeof plain_why) != 0) {
		snprintf(err, err_len, "sev-guest: SNP_GET_EXT_REPORT: %s; then %s", ext_why, plain_why);
		ev->report_len = 0;
		return -1;
	}
	snprintf(ev->provider, sizeof ev->provider, "sev-guest");
	return 0;
}

static int real_ioctl(void *ctx, unsigned long request, void *arg)
{
	int fd = *(const int *)ctx;
	int r;
	do
		r = ioctl(fd, request, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

int attest_sevguest_get(const char *dev, const uint8_t report_data[64], uint32_t vmpl, struct attest_evidence *ev,
			char *err, size_t err_len)
{
	ev->report_len = ev->certs_len = 0;
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "sev-guest: open %s: %s", dev, strerror(errno));
		return -1;
	}
	int rc = attest_sevguest_exchange(real_ioctl, &fd, report_data, vmpl, ev, err, err_len);
	close(fd);
	return rc;
}
