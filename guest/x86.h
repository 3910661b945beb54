/*
 * Thin wrappers around the x86 instructions the test guest exercises.
 * Each is a single instruction so the code under test stays visible.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Returns 1 and stores the value when the CPU had entropy (CF=1). */
static inline int rdrand32(uint32_t *value)
{
	uint8_t ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*value), "=qm"(ok) : : "cc");
	return ok;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr"
			 : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* guest_abi.h: number in EAX, arguments in EBX/ECX/EDX, result in EAX. */
static inline uint32_t vmcall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(a2), "d"(a3)
			 : "memory");
	return ret;
}

/* The "memory" clobbers keep counter reads from moving across IF changes. */
static inline void cli(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void sti(void)
{
	__asm__ volatile("sti" : : : "memory");
}

/* STI's one-instruction shadow makes "sti; hlt" wait without a lost wakeup. */
static inline void sti_hlt(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

static inline void cli_hlt(void)
{
	__asm__ volatile("cli; hlt" : : : "memory");
}

static inline void pause(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/*
 * 64-by-32 division with DIV, since there is no 32-bit libgcc to supply
 * __udivdi3. The caller keeps the quotient below 2^32 (high word < divisor),
 * otherwise DIV would raise #DE.
 */
static inline uint32_t div_u64_u32(uint64_t n, uint32_t d)
{
	uint32_t q, r;

	__asm__("divl %4"
		: "=a"(q), "=d"(r)
		: "a"((uint32_t)n), "d"((uint32_t)(n >> 32)), "rm"(d));
	return q;
}

#endif
