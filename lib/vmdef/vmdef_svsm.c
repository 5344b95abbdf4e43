/* vmdef [svsm]: a COCONUT-SVSM launched below the firmware. Its image and
 * the OVMF vars area size are part of the launch digest (the SVSM sits
 * right below the vars area), so both are required as soon as the table is
 * there; the vars size may come from the vars file itself (read when the
 * digest is computed, like the other files a definition names). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err_text.h"
#include "vmdef_internal.h"

/* The vars area is a firmware flash region: whole pages, far below 4 GiB. */
#define SVSM_VARS_MAX (64ull << 20)

static int vars_size_ok(uint64_t size)
{
	return size && size % 4096 == 0 && size <= SVSM_VARS_MAX;
}

int vmdef_svsm_vars_size(const struct vmdef *d, uint64_t *size, char *err, size_t err_len)
{
	const struct vmdef_svsm *s = &d->svsm;
	if (!s->ovmf_vars[0]) {
		*size = s->ovmf_vars_size;
		return 0;
	}
	struct stat st;
	if (stat(s->ovmf_vars, &st) != 0)
		return err_set(err, err_len, "%s:%u:%u: 'svsm.ovmf_vars': %s: %s", d->file, s->pos_ovmf_vars.line,
			       s->pos_ovmf_vars.column, s->ovmf_vars, strerror(errno));
	if (!S_ISREG(st.st_mode) || !vars_size_ok((uint64_t)st.st_size))
		return err_set(err, err_len,
			       "%s:%u:%u: 'svsm.ovmf_vars': %s is not a regular file of whole 4 KiB pages (4 KiB..64 MiB)",
			       d->file, s->pos_ovmf_vars.line, s->pos_ovmf_vars.column, s->ovmf_vars);
	if (s->ovmf_vars_size && s->ovmf_vars_size != (uint64_t)st.st_size)
		return err_set(err, err_len, "%s:%u:%u: 'svsm.ovmf_vars_size' is %llu but 'svsm.ovmf_vars' (%s) has %llu bytes",
			       d->file, s->pos_ovmf_vars.line, s->pos_ovmf_vars.column,
			       (unsigned long long)s->ovmf_vars_size, s->ovmf_vars, (unsigned long long)st.st_size);
	*size = (uint64_t)st.st_size;
	return 0;
}

int vmdef__load_svsm(struct vmdef_ctx *c)
{
	struct vmdef *d = c->def;
	struct vmdef_svsm *s = &d->svsm;
	const struct toml_node *t;
	if (vmdef__schema_table(c, "svsm", &t))
		return -1;
	d->has_svsm = t != NULL;
	if (!t)
		return 0;
	/* The SVSM launch layout is QEMU's (COCONUT-SVSM's launch protocol). */
	if (d->vmm != MEASURE_VMM_QEMU)
		return vmdef__fail(c, t, "[svsm] is measured for QEMU launches only, but 'vm.vmm_type' is \"%s\"",
				   measure_vmm_name(d->vmm));
	if (vmdef__path(c, t, "image", s->image, &s->pos_image) ||
	    vmdef__path(c, t, "ovmf_vars", s->ovmf_vars, &s->pos_ovmf_vars))
		return -1;
	if (!s->image[0])
		return vmdef__fail(c, t, "[svsm] needs 'image' (the SVSM binary it measures)");
	int64_t v;
	int got;
	if (vmdef__int(c, t, "ovmf_vars_size", 0, (int64_t)SVSM_VARS_MAX, &v, &got))
		return -1;
	if (!got && !s->ovmf_vars[0])
		return vmdef__fail(c, t, "[svsm] needs 'ovmf_vars_size' or 'ovmf_vars': the vars area decides where the "
					 "SVSM sits, so it is measured");
	/* The file, like every file a definition names, is read when it is
	 * used (vmdef_svsm_vars_size); a size given beside it must match. */
	if (got && !vars_size_ok((uint64_t)v))
		return vmdef__fail(c, toml_table_get(c->doc, t, "ovmf_vars_size"),
				   "the OVMF vars area must be whole 4 KiB pages, 4 KiB..64 MiB, not %lld bytes", (long long)v);
	s->ovmf_vars_size = got ? (uint64_t)v : 0;
	return 0;
}
