/* SPDX-License-Identifier: MIT */
/* modspec.c - a boot module's partition settings and the view they describe (modspec.h). */
#include <string.h>
#include <bulkhead/errno.h>
#include "modspec.h"
#include "palloc.h"
#include "part.h"
#include "pci.h"
#include "percpu.h"

static const struct bh_bootinfo *boot;

void modspec_init(const struct bh_bootinfo *bi)
{
	boot = bi;
}

/* The module whose command line's first word is [w, end). */
static const struct bh_module *module_named(const char *w, const char *end)
{
	size_t n = end - w;

	for (uint32_t i = 0; boot && i < boot->module_count; i++) {
		const char *name = boot->modules[i].name;
		if (!strncmp(name, w, n) && (name[n] == '\0' || name[n] == ' '))
			return &boot->modules[i];
	}
	return NULL;
}

static const char *word_end(const char *s)
{
	while (*s && *s != ' ')
		s++;
	return s;
}

static int parse_cpus(const char *v, const char *end, struct part_spec *s)
{
	s->ncpus = 0;
	while (v < end) {
		unsigned n = 0, digits = 0;
		for (; v < end && *v >= '0' && *v <= '9' && n < 1000; v++, digits++)
			n = n * 10 + (*v - '0');
		if (!digits || s->ncpus == MAX_VCPUS || n >= cpu_count || (v < end && *v++ != ','))
			return -BH_EINVAL;
		s->cpus[s->ncpus++] = n;
	}
	return s->ncpus ? 0 : -BH_EINVAL;
}

/* Hex digits [w, end) → *v; → the end of the digits. */
static const char *hex(const char *w, const char *end, uint64_t *v)
{
	*v = 0;
	for (; w < end && *v >> 60 == 0; w++) {
		unsigned d = *w >= '0' && *w <= '9' ? *w - '0' :
			     *w >= 'a' && *w <= 'f' ? *w - 'a' + 10 : 16;
		if (d == 16)
			break;
		*v = *v << 4 | d;
	}
	return w;
}

/* mmio=0x<base>+0x<size> */
static int parse_mmio(const char *w, const char *end, struct part_spec *s)
{
	uint64_t base, size;

	if (end - w < 3 || strncmp(w, "0x", 2) || s->nmmio == MMIO_MAX)
		return -BH_EINVAL;
	w = hex(w + 2, end, &base);
	if (end - w < 4 || strncmp(w, "+0x", 3) || hex(w + 3, end, &size) != end || !size)
		return -BH_EINVAL;
	s->mmio[s->nmmio].base = base;
	s->mmio[s->nmmio++].size = size;
	return 0;
}

/* pci=<bus>:<device>.<function>, hex */
static int parse_pci(const char *w, const char *end, struct part_spec *s)
{
	uint64_t bus, dev, fn;

	w = hex(w, end, &bus);
	if (w == end || *w++ != ':' || (w = hex(w, end, &dev)) == end || *w++ != '.' ||
	    hex(w, end, &fn) != end || bus > 255 || dev > 31 || fn > 7 || s->npci == MMIO_MAX)
		return -BH_EINVAL;
	s->pci[s->npci++] = (uint16_t)(bus << 8 | dev << 3 | fn);
	return 0;
}

static int parse_word(const char *w, const char *end, struct part_spec *s)
{
	size_t n = end - w;

	if (n > 5 && !strncmp(w, "name=", 5) && n - 5 < BH_NAME_MAX) {
		memcpy(s->name, w + 5, n - 5);
		s->name[n - 5] = '\0';
		return 0;
	}
	if (n > 5 && !strncmp(w, "cpus=", 5))
		return parse_cpus(w + 5, end, s);
	if (n > 5 && !strncmp(w, "chan=", 5)) {
		unsigned id = 0;
		for (w += 5; w < end && *w >= '0' && *w <= '9' && id < 256; w++)
			id = id * 10 + (*w - '0');
		if (w != end || !id || id > 255 || s->nchans == CHANS_MAX)
			return -BH_EINVAL;
		s->chans[s->nchans++] = id;
		return 0;
	}
	if (n > 7 && !strncmp(w, "module=", 7)) {
		const struct bh_module *m = module_named(w + 7, end);
		if (!m || s->nmodules == MODULES_MAX || m->start & 0xfff)
			return -BH_EINVAL; /* unknown, too many, or not page aligned */
		s->modules[s->nmodules++] = m;
		return 0;
	}
	if (n > 5 && !strncmp(w, "mmio=", 5))
		return parse_mmio(w + 5, end, s);
	if (n > 4 && !strncmp(w, "pci=", 4))
		return parse_pci(w + 4, end, s);
	if (n > 4 && !strncmp(w, "mem=", 4)) {
		s->mem_mib = 0;
		for (w += 4; w < end && *w >= '0' && *w <= '9' && s->mem_mib < 65536; w++)
			s->mem_mib = s->mem_mib * 10 + (*w - '0');
		return w == end && s->mem_mib >= 4 && s->mem_mib <= 4096 ? 0 : -BH_EINVAL;
	}
	return -BH_EINVAL;
}

int modspec_parse(const char *line, struct part_spec *s, const char **bad)
{
	*s = (struct part_spec){ .cmdline = "" };
	for (const char *w = word_end(line); *w;) {
		while (*w == ' ')
			w++;
		const char *end = word_end(w);
		if (end - w == 2 && !strncmp(w, "--", 2)) {
			s->cmdline = *end ? end + 1 : end;
			break;
		}
		if (end > w && parse_word(w, end, s)) {
			*bad = w;
			return -BH_EINVAL;
		}
		w = end;
	}
	*bad = "name= cpus= mem=";
	return s->name[0] && s->ncpus && s->mem_mib ? 0 : -BH_EINVAL;
}

static uint64_t channel_memory(struct partition *p, unsigned id, uint32_t *peer)
{
	for (unsigned i = 0; i < partition_count; i++) {
		if (!partitions[i])
			continue;
		struct bh_view *o = &partitions[i]->view;
		for (unsigned j = 0; j < o->region_count; j++) {
			struct bh_view_region *r = &o->regions[j];
			if (r->kind == BH_VIEW_CHANNEL && r->chan_id == id) {
				*peer = o->partition_id;
				if (!r->peer_id)
					r->peer_id = p->id;
				return r->hpa;
			}
		}
	}
	*peer = 0;
	return palloc(CHAN_SIZE / PAGE_4K, PAGE_2M, 0);
}

static int add_channels(struct partition *p, const struct part_spec *s)
{
	struct bh_view *v = &p->view;

	for (unsigned i = 0; i < s->nchans; i++) {
		uint32_t peer;
		uint64_t hpa = channel_memory(p, s->chans[i], &peer);
		if (!hpa)
			return -BH_ENOMEM;
		v->regions[v->region_count++] = (struct bh_view_region){
			.gpa = p->size + i * CHAN_SIZE, .hpa = hpa, .size = CHAN_SIZE,
			.kind = BH_VIEW_CHANNEL, .flags = BH_VIEW_R | BH_VIEW_W,
			.peer_id = peer, .chan_id = s->chans[i],
		};
	}
	return 0;
}

/* Read-only, whole pages, from MODULE_GPA on, each 2 MiB aligned so the guest page tables
 * map them with large pages (the info page gives each one's exact size). */
static int add_modules(struct partition *p, const struct part_spec *s)
{
	struct bh_view *v = &p->view;
	uint64_t gpa = MODULE_GPA;

	for (unsigned i = 0; i < s->nmodules; i++) {
		const struct bh_module *m = s->modules[i];
		uint64_t size = (m->end - m->start + 0xfff) & ~0xfffull;
		v->regions[v->region_count++] = (struct bh_view_region){
			.gpa = gpa, .hpa = m->start, .size = size ? size : 0x1000,
			.kind = BH_VIEW_MODULE, .flags = BH_VIEW_R,
		};
		gpa += (size + 2 * PAGE_2M - 1) & ~(PAGE_2M - 1); /* 2 MiB apart, a hole between */
	}
	return 0;
}

static int add_mmio(struct bh_view *v, uint64_t base, uint64_t size)
{
	if (v->region_count == BH_VIEW_REGIONS_MAX)
		return -BH_E2BIG;
	v->regions[v->region_count++] = (struct bh_view_region){
		.gpa = base, .hpa = base, .size = size, .kind = BH_VIEW_MMIO,
		.flags = BH_VIEW_R | BH_VIEW_W,
	};
	return 0;
}

/* mmio= ranges as given; pci= functions with their memory BARs, page-rounded as the
 * ultravisor maps them (ultravisor/db-boot.c). Whether they are allowed is view_check's. */
static int add_devices(struct partition *p, const struct part_spec *s)
{
	struct bh_view *v = &p->view;
	int r = 0;

	for (unsigned i = 0; i < s->nmmio && !r; i++)
		r = add_mmio(v, s->mmio[i].base, s->mmio[i].size);
	for (unsigned i = 0; i < s->npci && !r; i++) {
		v->pci[v->pci_count++] = s->pci[i];
		for (unsigned k = 0; k < pci_fn_count; k++)
			for (unsigned b = 0; pci_fns[k].bdf == s->pci[i] && b < BH_UV_PCI_BARS && !r; b++) {
				uint64_t base = pci_fns[k].bar[b].base & ~0xfffull;
				uint64_t end = (pci_fns[k].bar[b].base + pci_fns[k].bar[b].size +
						0xfff) & ~0xfffull;
				if (pci_fns[k].bar[b].size)
					r = add_mmio(v, base, end - base);
			}
	}
	return r;
}

int modspec_view(struct partition *p, const struct part_spec *s)
{
	struct bh_view *v = &p->view;
	const uint32_t rwx = BH_VIEW_R | BH_VIEW_W | BH_VIEW_X;

	*v = (struct bh_view){ .magic = BH_VIEW_MAGIC, .version = BH_VIEW_VERSION,
			       .partition_id = p->id, .vcpu_count = s->ncpus, .region_count = 3 };
	memcpy(v->name, p->name, sizeof(v->name));
	for (unsigned i = 0; i < s->ncpus; i++)
		v->cpus[i] = s->cpus[i];
	v->regions[0] = (struct bh_view_region){ .gpa = 0, .hpa = p->hpa, .size = BH_INFO_GPA,
						 .kind = BH_VIEW_PRIVATE, .flags = rwx };
	v->regions[1] = (struct bh_view_region){ .gpa = BH_INFO_GPA, .hpa = p->hpa + BH_INFO_GPA,
						 .size = PAGE_4K, .kind = BH_VIEW_PRIVATE,
						 .flags = BH_VIEW_R };
	v->regions[2] = (struct bh_view_region){ .gpa = BH_INFO_GPA + PAGE_4K,
						 .hpa = p->hpa + BH_INFO_GPA + PAGE_4K,
						 .size = p->size - BH_INFO_GPA - PAGE_4K,
						 .kind = BH_VIEW_PRIVATE, .flags = rwx };
	if (add_channels(p, s))
		return -BH_ENOMEM;
	add_modules(p, s);
	return add_devices(p, s);
}
