/*
 * boot/: the only code that talks to UEFI. It loads the config and the
 * guest image from the volume ftvisor.efi was loaded from, calibrates the
 * TSC, finds the ACPI RSDP, takes the memory map, leaves boot services and
 * calls hv_main() once. Compiled with GNU-EFI's flags (2-byte wchar_t), so it
 * shares nothing with the core but boot_info.h and the pure config parser.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"
#include "hv/lib/config.h"

static struct boot_info boot_info;
static struct ftv_config boot_config;

/* Before ExitBootServices the firmware console is ours; errors go there. */
static void boot_say(const CHAR16 *what)
{
	Print(L"ftvisor boot: %s\n", what);
}

static EFI_FILE_HANDLE open_boot_volume(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *loaded = NULL;
	EFI_STATUS st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
					  &LoadedImageProtocol, (void **)&loaded);
	if (EFI_ERROR(st))
		return NULL;
	boot_info.image_base = (uint64_t)(UINTN)loaded->ImageBase;
	boot_info.image_size = loaded->ImageSize;
	return LibOpenRoot(loaded->DeviceHandle);
}

static void ascii_to_path(const char *in, CHAR16 *out, UINTN max)
{
	UINTN i = 0;
	if (in[0] != '\\' && in[0] != '/')
		out[i++] = L'\\';
	for (; *in && i + 1 < max; in++)
		out[i++] = (*in == '/') ? L'\\' : (CHAR16)*in;
	out[i] = 0;
}

/* Reads a whole file into LoaderData pages, which the core keeps. */
static void load_file(EFI_FILE_HANDLE root, const CHAR16 *path, struct boot_file *out)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st = uefi_call_wrapper(root->Open, 5, root, &f, (CHAR16 *)path,
					  EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		out->status = BOOT_FILE_MISSING;
		return;
	}
	EFI_FILE_INFO *info = LibFileInfo(f);
	if (!info) {
		out->status = BOOT_FILE_READ_ERROR;
		goto close;
	}
	UINT64 size = info->FileSize;
	FreePool(info);
	out->size = size;
	if (size > BOOT_FILE_MAX_SIZE) {
		out->status = BOOT_FILE_TOO_LARGE;
		goto close;
	}
	EFI_PHYSICAL_ADDRESS buf = 0;
	UINTN pages = (size + 4095) / 4096 + 1; /* +1: room for a NUL after text files */
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, pages, &buf);
	if (EFI_ERROR(st)) {
		out->status = BOOT_FILE_TOO_LARGE;
		goto close;
	}
	UINTN n = size;
	st = uefi_call_wrapper(f->Read, 3, f, &n, (void *)(UINTN)buf);
	if (EFI_ERROR(st) || n != size) {
		out->status = BOOT_FILE_READ_ERROR;
		goto close;
	}
	((char *)(UINTN)buf)[size] = 0;
	out->data = buf;
	out->status = BOOT_FILE_OK;
close:
	uefi_call_wrapper(f->Close, 1, f);
}

static uint64_t rdtsc_now(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* 50 ms against the firmware's Stall(): good to ~0.1%, plenty for log stamps. */
static void calibrate_tsc(void)
{
	uint64_t t0 = rdtsc_now();
	uefi_call_wrapper(BS->Stall, 1, 50000);
	uint64_t t1 = rdtsc_now();
	boot_info.tsc_hz = (t1 - t0) * 20;
	boot_info.tsc_at_boot = t0;
}

static void find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	EFI_GUID acpi10 = ACPI_TABLE_GUID;
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (!CompareGuid(&t->VendorGuid, &acpi20)) {
			boot_info.acpi_rsdp = (uint64_t)(UINTN)t->VendorTable;
			return;
		}
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			boot_info.acpi_rsdp = (uint64_t)(UINTN)t->VendorTable;
	}
}

static uint32_t classify(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
		return BOOT_MEM_FREE;
	case EfiBootServicesCode:
	case EfiBootServicesData:
		return BOOT_MEM_FIRMWARE_FREED;
	case EfiLoaderCode:
	case EfiLoaderData:
		return BOOT_MEM_LOADER;
	case EfiACPIReclaimMemory:
	case EfiACPIMemoryNVS:
		return BOOT_MEM_ACPI;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return BOOT_MEM_MMIO;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/*
 * GetMemoryMap and ExitBootServices must be called back to back with the
 * same map key; anything that allocates in between (even Print) changes the
 * key, so on failure we simply take the map again and retry.
 */
static EFI_STATUS exit_boot_services(EFI_HANDLE image)
{
	static UINT8 map_buf[32 * 1024];
	for (int attempt = 0; attempt < 8; attempt++) {
		UINTN size = sizeof(map_buf), key, desc_size;
		UINT32 desc_version;
		EFI_STATUS st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size,
						  (EFI_MEMORY_DESCRIPTOR *)map_buf, &key,
						  &desc_size, &desc_version);
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (EFI_ERROR(st))
			continue;
		UINTN n = size / desc_size;
		boot_info.memmap_count = 0;
		for (UINTN i = 0; i < n && boot_info.memmap_count < BOOT_MEMMAP_MAX; i++) {
			EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map_buf + i * desc_size);
			struct boot_mem_region *r = &boot_info.memmap[boot_info.memmap_count++];
			r->base = d->PhysicalStart;
			r->pages = d->NumberOfPages;
			r->efi_type = d->Type;
			r->type = classify(d->Type);
		}
		return EFI_SUCCESS;
	}
	return EFI_ABORTED;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	InitializeLib(image, systab);
	boot_info.version = BOOT_INFO_VERSION;

	EFI_FILE_HANDLE root = open_boot_volume(image);
	if (!root) {
		boot_say(L"cannot open the volume ftvisor.efi was loaded from");
		return EFI_LOAD_ERROR;
	}
	load_file(root, L"\\ftvisor.cfg", &boot_info.config);

	/* The guest's name comes from the config; the core reports config errors. */
	const char *guest_name = FTV_CONFIG_DEFAULT_GUEST_IMAGE;
	if (boot_info.config.status == BOOT_FILE_OK &&
	    config_parse((const char *)(UINTN)boot_info.config.data, boot_info.config.size,
			 &boot_config, NULL) == 0)
		guest_name = boot_config.guest_image;
	UINTN len = 0;
	while (guest_name[len] && len + 1 < sizeof(boot_info.guest_path)) {
		boot_info.guest_path[len] = guest_name[len];
		len++;
	}
	boot_info.guest_path[len] = 0;
	CHAR16 path16[sizeof(boot_info.guest_path) + 1];
	ascii_to_path(boot_info.guest_path, path16, sizeof(boot_info.guest_path) + 1);
	load_file(root, path16, &boot_info.guest);

	find_rsdp();
	calibrate_tsc();

	if (EFI_ERROR(exit_boot_services(image))) {
		boot_say(L"ExitBootServices failed");
		return EFI_ABORTED;
	}
	hv_main(&boot_info);
}
