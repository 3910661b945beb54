/*
 * The contract between ftvisor and the guests it runs: the image header,
 * the machine state at entry, and the hypercalls. Shared by hv/ and guest/,
 * so it uses only fixed-width types.
 *
 * Entry state (set by hv/vcpu_reset.c):
 *   32-bit protected mode, flat 4 GiB code/data segments, paging off,
 *   RFLAGS.IF = 0, EIP = header.entry, EAX = FTV_BOOT_MAGIC,
 *   EBX = guest-physical address of the NUL-terminated command line
 *         (config key guest.cmdline), ESP = 0: the guest sets its own stack.
 *   RAM: guest-physical 0 .. guest.ram_mb MiB, write-back, nothing else mapped.
 *
 * Devices:
 *   COM1 16550 at ports 0x3f8-0x3ff (transmit; lines reach the console
 *   prefixed "guest:"), x2APIC (IA32_APIC_BASE, MSRs 0x800-0x8ff) with its
 *   timer, RDTSC/RDTSCP/RDRAND/RDSEED as on hardware.
 */
#ifndef FTV_GUEST_ABI_H
#define FTV_GUEST_ABI_H

#include <stdint.h>

#define FTV_GUEST_MAGIC "FTVGUEST"      /* 8 bytes, no NUL in the image */
#define FTV_GUEST_ABI_VERSION 1
#define FTV_BOOT_MAGIC 0x46545642u      /* 'FTVB' in EAX at entry */
#define FTV_GUEST_CMDLINE_GPA 0x7000u   /* where the command line is put */
#define FTV_GUEST_CMDLINE_MAX 256

/* First bytes of every guest image (a flat binary loaded at load_gpa). */
struct ftv_guest_header {
	char magic[8];          /* FTV_GUEST_MAGIC */
	uint32_t abi_version;   /* FTV_GUEST_ABI_VERSION */
	uint32_t load_gpa;      /* guest-physical address of the header's first byte */
	uint32_t entry_gpa;     /* where execution starts */
	uint32_t image_size;    /* bytes of the image, header included */
};

/* VMCALL: EAX = number, EBX/ECX/EDX = arguments, result in EAX. */
#define FTV_HC_REPORT     1u  /* EBX = 0: test passed; else failure code */
#define FTV_HC_VERSION    2u  /* returns FTV_GUEST_ABI_VERSION */
#define FTV_HC_OK         0u
#define FTV_HC_EINVAL     0xffffffffu

#endif
