#include "hv/core/guest_image.h"

#include <stdio.h>
#include <string.h>

int guest_image_check(const void *data, uint64_t size, uint64_t ram_size,
		      struct ftv_guest_header *hdr, char *why, size_t why_size)
{
	if (size < sizeof(*hdr)) {
		snprintf(why, why_size, "image is %llu bytes, smaller than its header",
			 (unsigned long long)size);
		return -1;
	}
	memcpy(hdr, data, sizeof(*hdr));
	if (memcmp(hdr->magic, FTV_GUEST_MAGIC, sizeof(hdr->magic)) != 0) {
		snprintf(why, why_size, "not an ftvisor guest image (no FTVGUEST magic)");
		return -1;
	}
	if (hdr->abi_version != FTV_GUEST_ABI_VERSION) {
		snprintf(why, why_size, "guest ABI version %u, this ftvisor speaks %u",
			 hdr->abi_version, FTV_GUEST_ABI_VERSION);
		return -1;
	}
	if (hdr->image_size != size) {
		snprintf(why, why_size, "header says %u bytes but the file has %llu (truncated?)",
			 hdr->image_size, (unsigned long long)size);
		return -1;
	}
	if (hdr->load_gpa < GUEST_IMAGE_MIN_LOAD || (hdr->load_gpa & 0xfff)) {
		snprintf(why, why_size, "load address 0x%x must be page aligned and >= 0x%x",
			 hdr->load_gpa, GUEST_IMAGE_MIN_LOAD);
		return -1;
	}
	if ((uint64_t)hdr->load_gpa + size > ram_size) {
		snprintf(why, why_size,
			 "image needs %llu KiB of RAM at 0x%x but the guest has %llu KiB "
			 "(raise guest.ram_mb)",
			 (unsigned long long)((hdr->load_gpa + size + 1023) / 1024), hdr->load_gpa,
			 (unsigned long long)(ram_size / 1024));
		return -1;
	}
	if (hdr->entry_gpa < hdr->load_gpa + sizeof(*hdr) ||
	    hdr->entry_gpa >= hdr->load_gpa + size) {
		snprintf(why, why_size, "entry 0x%x lies outside the image", hdr->entry_gpa);
		return -1;
	}
	return 0;
}
