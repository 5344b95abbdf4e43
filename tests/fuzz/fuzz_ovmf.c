/*
 * Fuzz target for the OVMF footer/metadata parser and the launch-digest
 * steps that consume its output: any bytes as the tail of a firmware image.
 * Checks the invariants the calculator relies on: every failure explains
 * itself, every accepted section is page aligned and below 4 GiB, and the
 * digest computation never reads outside the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/measure.h"

#define CHECK(c)                  \
	do {                      \
		if (!(c))         \
			abort();  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Copy so ASan sees the exact extent of the image. */
	uint8_t *img = malloc(size ? size : 1);
	if (!img)
		return 0;
	memcpy(img, data, size);

	struct ovmf_info info;
	char err[MEASURE_ERR_LEN] = "";
	if (ovmf_parse(&info, img, size, err, sizeof err) != 0) {
		CHECK(err[0] != 0 && memchr(err, 0, sizeof err));
		free(img);
		return 0;
	}
	CHECK(info.n_sections <= OVMF_MAX_SECTIONS);
	CHECK(info.has_metadata || info.n_sections == 0);
	for (uint32_t i = 0; i < info.n_sections; i++) {
		const struct ovmf_section *s = &info.sections[i];
		CHECK(s->gpa % MEASURE_PAGE_SIZE == 0 && s->size % MEASURE_PAGE_SIZE == 0 && s->size > 0);
		CHECK((uint64_t)s->gpa + s->size <= 0x100000000ull);
		CHECK(strcmp(ovmf_section_name(s->type), "unknown") != 0);
	}

	/* Run the digest every VMM's way; the image pages only when they are few. */
	static const uint8_t seed[MEASURE_DIGEST_LEN] = {1};
	struct measure_kernel_hashes k;
	memset(&k, 0x5a, sizeof k);
	for (int vmm = MEASURE_VMM_QEMU; vmm <= MEASURE_VMM_GCE; vmm++) {
		struct measure_params p = {.ovmf = img, .ovmf_len = size, .ovmf_hash = seed, .kernel = &k,
					   .vcpus = 3, .vcpu_sig = 0x800f12, .vmm = (enum measure_vmm)vmm,
					   .guest_features = 0x21, .allow_unmeasured_kernel = vmm != MEASURE_VMM_QEMU};
		struct measure_result r;
		/* Sections may be up to 4 GiB of zero pages: skip what would be slow, not wrong. */
		uint64_t pages = 0;
		for (uint32_t i = 0; i < info.n_sections; i++)
			pages += info.sections[i].size / MEASURE_PAGE_SIZE;
		if (pages > 4096)
			break;
		err[0] = 0;
		int rc = measure_launch_digest(&r, &p, err, sizeof err);
		CHECK(rc == 0 || (err[0] != 0 && (rc == MEASURE_ERR_INPUT || rc == MEASURE_ERR_KERNEL_NOT_MEASURED)));
		if (rc == 0)
			CHECK(r.kernel_measured != r.kernel_ignored);
		if (size % MEASURE_PAGE_SIZE == 0 && size <= 4 * MEASURE_PAGE_SIZE) {
			p.ovmf_hash = NULL;
			p.kernel = NULL;
			rc = measure_launch_digest(&r, &p, err, sizeof err);
			CHECK(rc == 0 || rc == MEASURE_ERR_INPUT);
		}
	}
	free(img);
	return 0;
}
