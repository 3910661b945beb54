/* Thin wrappers over privileged instructions; the only inline asm the core uses. */
#ifndef FTV_ARCH_CPU_H
#define FTV_ARCH_CPU_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* One register of a CPUID answer, by name (tables of feature bits use it). */
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

static inline uint32_t *cpuid_reg(struct cpuid_regs *r, enum cpuid_reg which)
{
	switch (which) {
	case CPUID_EAX: return &r->eax;
	case CPUID_EBX: return &r->ebx;
	case CPUID_ECX: return &r->ecx;
	default: return &r->edx;
	}
}

#define CPUID_1_ECX_RDRAND (1u << 30)
#define CPUID_7_EBX_RDSEED (1u << 18)

static inline struct cpuid_regs cpu_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t cpu_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t cpu_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void cpu_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint16_t cpu_inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t cpu_inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t cpu_read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void cpu_write_cr2(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr2" ::"r"(v) : "memory");
}

/* Debug registers 0-3 and 6, one reader and writer each. */
#define CPU_DEBUG_REGISTER(n)                                                   \
	static inline uint64_t cpu_read_dr##n(void)                             \
	{                                                                       \
		uint64_t v;                                                     \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v));               \
		return v;                                                       \
	}                                                                       \
	static inline void cpu_write_dr##n(uint64_t v)                          \
	{                                                                       \
		__asm__ volatile("mov %0, %%dr" #n ::"r"(v));                   \
	}
CPU_DEBUG_REGISTER(0)
CPU_DEBUG_REGISTER(1)
CPU_DEBUG_REGISTER(2)
CPU_DEBUG_REGISTER(3)
CPU_DEBUG_REGISTER(6)

static inline void cpu_write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}

static inline void cpu_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline void cpu_write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause");
}

/* Device DMA: descriptor stores become visible before the doorbell write
 * that follows, and descriptor loads are not hoisted above the status load
 * that preceded. Both are also compiler barriers. */
static inline void cpu_store_fence(void)
{
	__asm__ volatile("sfence" ::: "memory");
}

static inline void cpu_load_fence(void)
{
	__asm__ volatile("lfence" ::: "memory");
}

static inline void cpu_cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* An IRET to the next instruction: it ends the NMI blocking a VM exit caused
 * by an NMI leaves behind, without any handler running. IF stays as it is. */
static inline void cpu_unblock_nmi(void)
{
	__asm__ volatile("movq %%rsp, %%rax\n\t"
			 "movl %%ss, %%ecx\n\t"
			 "pushq %%rcx\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "movl %%cs, %%ecx\n\t"
			 "pushq %%rcx\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 ::: "rax", "rcx", "memory", "cc");
}

/* RDRAND with the hardware's own retry advice (Intel DRNG guide: 10 tries). */
static inline int cpu_rdrand64(uint64_t *out)
{
	for (int i = 0; i < 10; i++) {
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 1;
	}
	return 0;
}

#endif
