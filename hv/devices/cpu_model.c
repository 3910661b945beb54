#include "hv/devices/cpu_model.h"

#include <stdio.h>
#include <string.h>

#include "hv/lib/hash64.h"

#define LEAF_VENDOR 0u
#define LEAF_FEATURES 1u
#define LEAF_CACHE 4u
#define LEAF_EXTENDED_FEATURES 7u
#define LEAF_PMU 0xau
#define LEAF_EXTENDED 0x80000000u
#define LEAF_BRAND 0x80000002u
#define LEAF_ADDRESS_SIZES 0x80000008u
#define LEAF_HYPERVISOR_LAST 0x4fffffffu
#define CACHE_TYPE(eax) ((eax) & 0x1f)   /* leaf 4: 0 ends the list */

/* Leaves whose answer depends on the subleaf (ECX) among those kept. */
static int has_subleaves(uint32_t leaf)
{
	switch (leaf) {
	case 4: case 7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12: case 0x14:
		return 1;
	default:
		return 0;
	}
}

static void add(struct cpu_model *m, uint32_t leaf, uint32_t subleaf, struct cpuid_regs r)
{
	/* The table is sized for every leaf kept; more is a bug here. */
	if (m->count >= CPU_MODEL_LEAVES_MAX)
		return;
	struct cpu_model_leaf *l = &m->leaves[m->count++];
	l->leaf = leaf;
	l->subleaf = subleaf;
	l->r = r;
}

static void add_leaf(struct cpu_model *m, cpu_model_host_fn host, const struct cpuid_features *f,
		     uint32_t leaf)
{
	if (leaf != LEAF_CACHE) {
		add(m, leaf, 0, cpuid_policy_apply(leaf, 0, host(leaf, 0), f));
		return;
	}
	/* One subleaf per cache, and the empty one that ends the list. */
	for (uint32_t sub = 0; sub < CPU_MODEL_CACHE_LEVELS_MAX; sub++) {
		struct cpuid_regs r = cpuid_policy_apply(leaf, sub, host(leaf, sub), f);
		add(m, leaf, sub, r);
		if (CACHE_TYPE(r.eax) == 0)
			break;
	}
}

static const struct cpu_model_leaf *find(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf)
{
	if (!has_subleaves(leaf))
		subleaf = 0;
	for (unsigned i = 0; i < m->count; i++)
		if (m->leaves[i].leaf == leaf && m->leaves[i].subleaf == subleaf)
			return &m->leaves[i];
	return NULL;
}

/* Which CPUID bit offers each CR4 bit (SDM vol. 3A, 2.5 and the CPUID
 * tables). A CR4 bit that is not here is reserved: setting it faults. */

static const struct {
	unsigned cr4_bit;
	uint32_t leaf;
	enum cpuid_reg reg;
	uint32_t mask;
} cr4_features[] = {
	{ 0, LEAF_FEATURES, CPUID_EDX, 1u << 1 },              /* VME: VME */
	{ 1, LEAF_FEATURES, CPUID_EDX, 1u << 1 },              /* PVI: VME */
	{ 2, LEAF_FEATURES, CPUID_EDX, 1u << 4 },              /* TSD: TSC */
	{ 3, LEAF_FEATURES, CPUID_EDX, 1u << 2 },              /* DE */
	{ 4, LEAF_FEATURES, CPUID_EDX, 1u << 3 },              /* PSE */
	{ 5, LEAF_FEATURES, CPUID_EDX, 1u << 6 },              /* PAE */
	{ 6, LEAF_FEATURES, CPUID_EDX, 1u << 7 },              /* MCE */
	{ 7, LEAF_FEATURES, CPUID_EDX, 1u << 13 },             /* PGE */
	{ 8, LEAF_PMU, CPUID_EAX, 0xffu },                     /* PCE: a PMU version */
	{ 9, LEAF_FEATURES, CPUID_EDX, 1u << 24 },             /* OSFXSR: FXSR */
	{ 10, LEAF_FEATURES, CPUID_EDX, 1u << 25 },            /* OSXMMEXCPT: SSE */
	{ 11, LEAF_EXTENDED_FEATURES, CPUID_ECX, 1u << 2 },    /* UMIP */
	{ 12, LEAF_EXTENDED_FEATURES, CPUID_ECX, 1u << 16 },   /* LA57 */
	{ 13, LEAF_FEATURES, CPUID_ECX, 1u << 5 },             /* VMXE: VMX */
	{ 14, LEAF_FEATURES, CPUID_ECX, 1u << 6 },             /* SMXE: SMX */
	{ 16, LEAF_EXTENDED_FEATURES, CPUID_EBX, 1u << 0 },    /* FSGSBASE */
	{ 17, LEAF_FEATURES, CPUID_ECX, 1u << 17 },            /* PCIDE: PCID */
	{ 18, LEAF_FEATURES, CPUID_ECX, 1u << 26 },            /* OSXSAVE: XSAVE */
	{ 19, LEAF_EXTENDED_FEATURES, CPUID_ECX, 1u << 23 },   /* KL */
	{ 20, LEAF_EXTENDED_FEATURES, CPUID_EBX, 1u << 7 },    /* SMEP */
	{ 21, LEAF_EXTENDED_FEATURES, CPUID_EBX, 1u << 20 },   /* SMAP */
	{ 22, LEAF_EXTENDED_FEATURES, CPUID_ECX, 1u << 3 },    /* PKE: PKU */
	{ 23, LEAF_EXTENDED_FEATURES, CPUID_ECX, 1u << 7 },    /* CET: CET shadow stacks */
	{ 24, LEAF_EXTENDED_FEATURES, CPUID_ECX, 1u << 31 },   /* PKS */
};

static uint64_t cr4_allowed(const struct cpu_model *m)
{
	uint64_t allowed = 0;
	for (size_t i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++) {
		struct cpuid_regs r = cpu_model_cpuid(m, cr4_features[i].leaf, 0);
		int in_range = cr4_features[i].leaf <= m->max_basic;
		if (in_range && (*cpuid_reg(&r, cr4_features[i].reg) & cr4_features[i].mask))
			allowed |= 1ull << cr4_features[i].cr4_bit;
	}
	return allowed;
}

void cpu_model_build(struct cpu_model *m, cpu_model_host_fn host, const struct cpuid_features *f)
{
	memset(m, 0, sizeof(*m));
	struct cpuid_regs r = cpuid_policy_apply(LEAF_VENDOR, 0, host(LEAF_VENDOR, 0), f);
	m->max_basic = r.eax;
	for (uint32_t leaf = 0; leaf <= m->max_basic; leaf++)
		add_leaf(m, host, f, leaf);
	add_leaf(m, host, f, FTV_CPUID_SIGNATURE_LEAF);

	r = cpuid_policy_apply(LEAF_EXTENDED, 0, host(LEAF_EXTENDED, 0), f);
	if (r.eax < LEAF_EXTENDED)
		r.eax = LEAF_EXTENDED;  /* no extended leaves: the range holds only this one */
	if (r.eax > CPU_MODEL_MAX_EXTENDED)
		r.eax = CPU_MODEL_MAX_EXTENDED;
	m->max_extended = r.eax;
	add(m, LEAF_EXTENDED, 0, r);
	for (uint32_t leaf = LEAF_EXTENDED + 1; leaf <= m->max_extended; leaf++)
		add_leaf(m, host, f, leaf);

	m->cr4_allowed = cr4_allowed(m);
	uint64_t h = HASH64_SEED;
	for (unsigned i = 0; i < m->count; i++) {
		const struct cpu_model_leaf *l = &m->leaves[i];
		const uint32_t words[6] = { l->leaf, l->subleaf, l->r.eax, l->r.ebx, l->r.ecx, l->r.edx };
		h = hash64_update(h, words, sizeof(words));
	}
	m->hash = hash64_final(h);
}

struct cpuid_regs cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs zero = { 0, 0, 0, 0 };
	if (leaf >= FTV_CPUID_SIGNATURE_LEAF && leaf <= LEAF_HYPERVISOR_LAST) {
		const struct cpu_model_leaf *l = find(m, leaf, subleaf);
		return l ? l->r : zero; /* ftvisor has one hypervisor leaf */
	}
	int beyond = leaf >= LEAF_EXTENDED ? leaf > m->max_extended : leaf > m->max_basic;
	if (beyond) {
		/* What Intel processors do (SDM vol. 2A, CPUID). */
		leaf = m->max_basic;
	}
	const struct cpu_model_leaf *l = find(m, leaf, subleaf);
	return l ? l->r : zero;
}

static void put_reg(char *out, uint32_t reg)
{
	for (int i = 0; i < 4; i++)
		out[i] = (char)(reg >> (8 * i));
}

void cpu_model_describe(const struct cpu_model *m, char *out, size_t size)
{
	char vendor[13] = { 0 }, brand[49] = { 0 };
	struct cpuid_regs r = cpu_model_cpuid(m, LEAF_VENDOR, 0);
	put_reg(vendor, r.ebx);
	put_reg(vendor + 4, r.edx);
	put_reg(vendor + 8, r.ecx);

	uint32_t sig = cpu_model_cpuid(m, LEAF_FEATURES, 0).eax;
	unsigned family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf, stepping = sig & 0xf;
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((sig >> 16) & 0xf) << 4;

	if (m->max_extended >= LEAF_BRAND + 2)
		for (uint32_t i = 0; i < 3; i++) {
			r = cpu_model_cpuid(m, LEAF_BRAND + i, 0);
			put_reg(brand + 16 * i, r.eax);
			put_reg(brand + 16 * i + 4, r.ebx);
			put_reg(brand + 16 * i + 8, r.ecx);
			put_reg(brand + 16 * i + 12, r.edx);
		}
	const char *b = brand;
	while (*b == ' ')
		b++;
	unsigned phys = 0, linear = 0;
	if (m->max_extended >= LEAF_ADDRESS_SIZES) {
		r = cpu_model_cpuid(m, LEAF_ADDRESS_SIZES, 0);
		phys = r.eax & 0xff;
		linear = (r.eax >> 8) & 0xff;
	}
	snprintf(out, size, "%s family %u model 0x%x stepping %u, '%s', %u/%u-bit addresses",
		 vendor[0] ? vendor : "?", family, model, stepping, *b ? b : "no brand string", phys,
		 linear);
}
