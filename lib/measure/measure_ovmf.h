/* OVMF firmware image facts the launch digest depends on: the GUID table
 * at the end of the image (walked backwards from 0x20 before the end), the
 * SEV metadata sections ("ASEV"), the SEV-ES reset block (AP entry point),
 * the location of the SEV kernel-hashes table and, in a COCONUT-SVSM image
 * (which carries the same table), the SVSM information entry. The image is untrusted
 * input: every offset and length is checked against the buffer. */
#ifndef SNPBOOT_MEASURE_OVMF_H
#define SNPBOOT_MEASURE_OVMF_H

#include <stddef.h>
#include <stdint.h>

/* Section types of the SEV metadata (edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm). */
enum ovmf_section_type {
	OVMF_SECTION_SNP_SEC_MEM = 1,        /* pre-validated memory: ZERO pages */
	OVMF_SECTION_SNP_SECRETS = 2,        /* the SNP secrets page */
	OVMF_SECTION_CPUID = 3,              /* the CPUID page */
	OVMF_SECTION_SVSM_CAA = 4,           /* SVSM calling area: ZERO pages */
	OVMF_SECTION_SNP_KERNEL_HASHES = 0x10, /* page holding the kernel/initrd/cmdline hashes */
};

#define OVMF_MAX_SECTIONS 64

struct ovmf_section {
	uint32_t gpa;
	uint32_t size;
	uint32_t type;
};

struct ovmf_info {
	size_t image_len;
	int has_metadata;
	uint32_t n_sections;
	struct ovmf_section sections[OVMF_MAX_SECTIONS];
	int has_sev_es_reset;
	uint32_t sev_es_reset_eip; /* AP entry point from the SEV-ES reset block */
	int has_hashes_table;
	uint32_t hashes_table_gpa;  /* where QEMU writes the SEV hashes table */
	uint32_t hashes_table_size; /* room reserved for it */
	int has_svsm_info;           /* a COCONUT-SVSM image (not OVMF) */
	uint32_t svsm_entry_offset;  /* its entry point, from the start of the image */
};

/* Parses the footer GUID table and the SEV metadata of an OVMF image held in
 * img[0..len). Returns 0, or -1 with the reason in err. A missing metadata
 * entry, reset block or hashes-table entry is not an error here (the flags
 * say what was found); a malformed one is. */
int ovmf_parse(struct ovmf_info *info, const uint8_t *img, size_t len, char *err, size_t err_len);
/* 1 if a metadata section of this type exists. */
int ovmf_has_section(const struct ovmf_info *info, uint32_t type);
/* Readable name of a section type ("SNP_SEC_MEM", ...; "unknown" otherwise). */
const char *ovmf_section_name(uint32_t type);

#endif
