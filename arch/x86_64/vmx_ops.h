/* VMX instructions. Each returns 0 on success, 1 for VMfailInvalid
 * (CF=1), 2 for VMfailValid (ZF=1; the reason is in the VM-instruction
 * error field). */
#ifndef FTV_ARCH_VMX_OPS_H
#define FTV_ARCH_VMX_OPS_H

#include <stdint.h>

#define VMX_OK 0
#define VMX_FAIL_INVALID 1
#define VMX_FAIL_VALID 2

static inline int vmx_status(uint8_t cf, uint8_t zf)
{
	return cf ? VMX_FAIL_INVALID : (zf ? VMX_FAIL_VALID : VMX_OK);
}

static inline int vmxon(uint64_t phys)
{
	uint8_t cf, zf;
	__asm__ volatile("vmxon %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(phys) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmclear(uint64_t phys)
{
	uint8_t cf, zf;
	__asm__ volatile("vmclear %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(phys) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmptrld(uint64_t phys)
{
	uint8_t cf, zf;
	__asm__ volatile("vmptrld %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(phys) : "cc", "memory");
	return vmx_status(cf, zf);
}

static inline int vmwrite(uint64_t field, uint64_t value)
{
	uint8_t cf, zf;
	__asm__ volatile("vmwrite %3, %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "r"(field), "rm"(value)
			 : "cc");
	return vmx_status(cf, zf);
}

static inline int vmread(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;
	__asm__ volatile("vmread %3, %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf), "=rm"(*value)
			 : "r"(field)
			 : "cc");
	return vmx_status(cf, zf);
}

struct invept_desc {
	uint64_t eptp, reserved;
};

static inline int invept(uint64_t type, uint64_t eptp)
{
	struct invept_desc d = { eptp, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invept %3, %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "r"(type), "m"(d)
			 : "cc", "memory");
	return vmx_status(cf, zf);
}

#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXTS 2

#endif
