/*
 * The image header the hypervisor reads before loading the guest
 * (struct ftv_guest_header in hv/guest_abi.h). guest.ld puts it first.
 */
#include "guest_abi.h"

#define GUEST_LOAD_GPA 0x100000u        /* must match guest.ld */

/* Defined by entry.S and guest.ld; only their addresses matter. */
extern char guest_entry[];
extern char __image_size[];

_Static_assert(sizeof(struct ftv_guest_header) == 24,
	       "header layout must match the hypervisor's");
_Static_assert(sizeof(FTV_GUEST_MAGIC) - 1 ==
	       sizeof(((struct ftv_guest_header *)0)->magic),
	       "magic fills the field exactly, without its NUL");

__attribute__((section(".header"), used))
const struct ftv_guest_header guest_header = {
	.magic = FTV_GUEST_MAGIC,
	.abi_version = FTV_GUEST_ABI_VERSION,
	.load_gpa = GUEST_LOAD_GPA,
	.entry_gpa = (uint32_t)guest_entry,
	/* An absolute linker symbol: its "address" is the size. */
	.image_size = (uint32_t)__image_size,
};
