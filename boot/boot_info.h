/*
 * The one interface between boot/ (UEFI) and the hypervisor core.
 * boot/ fills it before ExitBootServices and calls hv_main() once; after
 * that no firmware service is ever called. Plain fixed-width types only:
 * boot/ is compiled with GNU-EFI's flags (2-byte wchar_t), the core with
 * newlib's, and this header must mean the same to both.
 */
#ifndef FTV_BOOT_INFO_H
#define FTV_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_VERSION 1
#define BOOT_MEMMAP_MAX 512

/* Memory types the core cares about; everything else is "reserved". */
enum boot_mem_type {
	BOOT_MEM_RESERVED = 0,
	BOOT_MEM_FREE = 1,          /* EfiConventionalMemory */
	BOOT_MEM_FIRMWARE_FREED = 2,/* boot services code/data: free once our page tables are live */
	BOOT_MEM_LOADER = 3,        /* our image and the files boot/ loaded */
	BOOT_MEM_ACPI = 4,          /* ACPI tables and NVS */
	BOOT_MEM_MMIO = 5,
	BOOT_MEM_CARVED = 6,        /* set by the core: taken for its heap or guest RAM */
};

struct boot_mem_region {
	uint64_t base;
	uint64_t pages;             /* 4 KiB pages */
	uint32_t type;              /* enum boot_mem_type */
	uint32_t efi_type;          /* the firmware's own type, for diagnostics */
};

/* A file loaded from the ESP; data == 0 when it could not be loaded. */
struct boot_file {
	uint64_t data;              /* physical (= virtual) address */
	uint64_t size;
	int32_t status;             /* 0, or enum boot_file_error */
	uint32_t reserved;
};

enum boot_file_error {
	BOOT_FILE_OK = 0,
	BOOT_FILE_MISSING = 1,
	BOOT_FILE_TOO_LARGE = 2,
	BOOT_FILE_READ_ERROR = 3,
};

#define BOOT_FILE_MAX_SIZE (256ull << 20)

struct boot_info {
	uint32_t version;           /* BOOT_INFO_VERSION */
	uint32_t memmap_count;
	struct boot_mem_region memmap[BOOT_MEMMAP_MAX];
	uint64_t image_base;        /* where the firmware loaded ftvisor.efi */
	uint64_t image_size;
	uint64_t acpi_rsdp;         /* 0 if the firmware gave none */
	uint64_t tsc_hz;            /* calibrated against the firmware's Stall() */
	uint64_t tsc_at_boot;
	struct boot_file config;    /* \ftvisor.cfg */
	struct boot_file guest;     /* named by the config's guest.image, default \guest.bin */
	char guest_path[128];       /* the path boot/ tried for the guest */
};

/* The core's entry point, in hv/main.c. Never returns. */
void hv_main(struct boot_info *bi) __attribute__((noreturn));

#endif
