/* The attestation providers behind attest.h, one file each, with every
 * path and time limit passed in so the host unit tests can point them at
 * fake trees, fake ioctls and fake simulators. Nothing in these files logs
 * or touches PID-1 state; attest.c adds the defaults and the log lines. */
#ifndef SNPBOOT_INIT_ATTEST_IMPL_H
#define SNPBOOT_INIT_ATTEST_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "attest.h"
#include "bootcfg/bootcfg.h"

#define ATTEST_TSM_ROOT "/sys/kernel/config/tsm/report"
#define ATTEST_SEV_GUEST_DEV "/dev/sev-guest"
#define ATTEST_VPORT_CLASS "/sys/class/virtio-ports"
#define ATTEST_DEV_DIR "/dev"
/* virtio_console may probe after /init starts; the port shows up late. */
#define ATTEST_SIM_PORT_WAIT_MS 5000u
/* snp-sim answers in milliseconds; this only bounds a dead peer. */
#define ATTEST_SIM_TIMEOUT_MS 10000u

/* configfs-tsm's provider attribute for SNP (the sev-guest module name). */
#define ATTEST_TSM_PROVIDER_SNP "sev_guest"

struct attest_env {
	const char *tsm_root;
	const char *sev_guest_dev;
	const char *vport_class; /* holds vportNpM/name */
	const char *dev_dir;     /* holds the vportNpM device nodes */
	uint32_t sim_port_wait_ms;
	uint32_t sim_timeout_ms;
};

void attest_env_default(struct attest_env *env);

/* Provider selection (attest_select.c): runs the provider(s) for `which`,
 * then checks the report against the request (attest_check_report). */
int attest_select(const struct attest_env *env, enum attest_provider which, const char *sim_port,
		  const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
		  struct attest_evidence *ev, char *err, size_t err_len);
/* The service request a boot config makes: 1 with *svc filled, 0 when it
 * names no service provider. */
int attest_service_from_config(const struct boot_config *cfg, struct attest_service *svc);

/* ---- shared checks (attest_check.c) ------------------------------------ */

/* The report is 1184 bytes and carries the REPORT_DATA (0x50) and VMPL
 * (0x30) that were asked for. With svc (an SVSM service attestation): a
 * manifest came, REPORT_DATA is SHA-512(report_data || manifest) and VMPL
 * is 0; without: no manifest came. 0, or -1 with the difference in err. */
int attest_check_report(const struct attest_evidence *ev, const uint8_t report_data[64], uint32_t vmpl,
			const struct attest_service *svc, char *err, size_t err_len);
/* Bounds of a certificate table in buf[0..len): walks the 24-byte entries
 * up to the all-zero terminator; every entry's data must lie inside buf.
 * *used is the bytes the table occupies (entries, terminator, data); 0 when
 * buf is empty or begins with the terminator (no certificates). The owner's
 * client does the full check; this only decides how many bytes to send and
 * refuses a table that points outside what we hold. 0, or -1 with err. */
int attest_certtable_used(const uint8_t *buf, size_t len, size_t *used, char *err, size_t err_len);
/* Copies text from a device or peer into out as printable ASCII ('?' for
 * anything else), NUL-terminated; for messages that end up in logs. */
void attest_sanitize(char *out, size_t out_len, const uint8_t *in, size_t in_len);

/* ---- configfs-tsm (attest_tsm.c) --------------------------------------- */

/* mkdir a fresh entry under root, attest_tsm_run in it, rmdir it (always). */
int attest_tsm_get(const char *root, const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
		   struct attest_evidence *ev, char *err, size_t err_len);
/* The steps inside an existing entry directory: provider, generation,
 * privlevel (skipped when absent and vmpl is 0) or, with svc,
 * service_provider, service_guid and service_manifest_version; inblob,
 * outblob, auxblob, manifestblob (with svc), generation again. */
int attest_tsm_run(const char *entry, const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
		   struct attest_evidence *ev, char *err, size_t err_len);
/* 1 if the generation moved by no more than our own `writes` (a bigger
 * step means another writer used the entry between our writes and read). A
 * smaller step is let through: the REPORT_DATA check catches a report that
 * does not carry our inblob. */
int attest_tsm_generation_ok(uint64_t before, uint64_t after, unsigned writes);

/* ---- /dev/sev-guest (attest_sevguest.c) ------------------------------- */

/* The ioctl as a function, so tests can stand in for the driver: returns 0,
 * or -1 with errno set, like ioctl(2). arg is a struct
 * snp_guest_request_ioctl. */
typedef int (*attest_ioctl_fn)(void *ctx, unsigned long request, void *arg);

/* SNP_GET_EXT_REPORT with a 4-page certificate buffer; once more with the
 * size asked for on "invalid length"; SNP_GET_REPORT without certificates if
 * the extended request fails otherwise. */
int attest_sevguest_exchange(attest_ioctl_fn fn, void *ctx, const uint8_t report_data[64], uint32_t vmpl,
			     struct attest_evidence *ev, char *err, size_t err_len);
/* Opens dev and runs attest_sevguest_exchange with ioctl(2). */
int attest_sevguest_get(const char *dev, const uint8_t report_data[64], uint32_t vmpl, struct attest_evidence *ev,
			char *err, size_t err_len);
/* The 4000-byte MSG_REPORT_RSP: status u32, report_size u32, 24 reserved,
 * report at 0x20. Copies the first 1184 bytes of the report into ev. */
int attest_sevguest_parse_resp(const uint8_t *resp, size_t len, struct attest_evidence *ev, char *err,
			       size_t err_len);

/* ---- snp-sim over virtio-serial (attest_sim.c) ------------------------ */

/* Finds the port whose <class>/<vportNpM>/name is `name`; writes vportNpM
 * into node. 1 found, 0 not (yet), -1 on an unusable class directory. */
int attest_sim_find_port(const char *class_dir, const char *name, char *node, size_t node_len);
/* Waits for the port, opens it and runs attest_sim_exchange. */
int attest_sim_get(const struct attest_env *env, const char *port_name, const uint8_t report_data[64],
		   uint32_t vmpl, const struct attest_service *svc, struct attest_evidence *ev, char *err,
		   size_t err_len);
/* One request/response on an open byte stream: drains stale bytes, sends
 * the request, reads the response; every wait ends by timeout_ms. */
int attest_sim_exchange(int fd, const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
			uint32_t timeout_ms, struct attest_evidence *ev, char *err, size_t err_len);
/* A whole response (header and body, exactly len bytes) into ev; a refusal
 * becomes -1 with the simulator's message in err. */
int attest_sim_parse(const uint8_t *buf, size_t len, struct attest_evidence *ev, char *err, size_t err_len);

#endif
