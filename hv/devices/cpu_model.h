/*
 * The guest's CPU, built once at boot: every CPUID leaf the guest can ask
 * for (vendor, family/model/stepping, feature bits after the policy of
 * cpuid_policy.c, cache and topology leaves, brand string, address widths),
 * taken from the host through a callback and frozen. CPUID exits answer
 * from it, never from the live CPU; its hash names it, so that two servers
 * can check that the backup's guest sees the CPU the primary's saw. It also
 * says which CR4 bits the guest may set: exactly those whose feature the
 * model offers. Pure: host tests build models of real and imaginary CPUs.
 */
#ifndef FTV_CPU_MODEL_H
#define FTV_CPU_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "hv/devices/cpuid_policy.h"

#define CPU_MODEL_LEAVES_MAX 64
#define CPU_MODEL_MAX_EXTENDED 0x80000008u
#define CPU_MODEL_CACHE_LEVELS_MAX 8   /* subleaves of leaf 4 kept */

struct cpu_model_leaf {
	uint32_t leaf, subleaf;
	struct cpuid_regs r;
};

struct cpu_model {
	struct cpu_model_leaf leaves[CPU_MODEL_LEAVES_MAX];
	unsigned count;
	uint32_t max_basic, max_extended;
	uint64_t cr4_allowed;   /* the CR4 bits of features the model offers */
	uint64_t hash;          /* of every leaf: two models differ iff their hashes do */
};

typedef struct cpuid_regs (*cpu_model_host_fn)(uint32_t leaf, uint32_t subleaf);

/* Asks 'host' for every leaf and applies the policy. */
void cpu_model_build(struct cpu_model *m, cpu_model_host_fn host, const struct cpuid_features *f);
/* The guest's CPUID, as a processor answers it: a basic or extended leaf
 * beyond the highest gives the highest basic leaf, subleaves that do not
 * exist give zeros. */
struct cpuid_regs cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf);
/* "GenuineIntel family 6 model 0x55 stepping 4, 'brand', 46/48-bit addresses". */
void cpu_model_describe(const struct cpu_model *m, char *out, size_t size);

#endif
