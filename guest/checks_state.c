/*
 * Guest state that VMX does not switch, as an independent guest sees it:
 * CR2 before any page fault, the debug registers, KERNEL_GS_BASE, and the
 * CMOS data port read before any register was selected. Each must have its
 * power-on value. The check then leaves other values behind, so that a
 * replay that starts from a snapshot without them (or a second server with
 * other firmware) sees something else and fails here.
 */
#include "checks.h"
#include "codes.h"
#include "print.h"
#include "report.h"
#include "x86.h"

#define MSR_KERNEL_GS_BASE 0xc0000102u
#define DR6_POWER_ON 0xffff0ff0u
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_STATUS_A 0x0a

#define READ_REG(name)                                                   \
	({                                                               \
		uint32_t v_;                                             \
		__asm__ volatile("mov %%" name ", %0" : "=r"(v_));       \
		v_;                                                      \
	})
#define WRITE_REG(name, value) __asm__ volatile("mov %0, %%" name ::"r"((uint32_t)(value)))

void check_unswitched_state(void)
{
	uint32_t cr2 = READ_REG("cr2");
	uint32_t dr[4] = { READ_REG("dr0"), READ_REG("dr1"), READ_REG("dr2"), READ_REG("dr3") };
	uint32_t dr6 = READ_REG("dr6");
	uint64_t kgs = rdmsr(MSR_KERNEL_GS_BASE);
	uint8_t cmos = inb(CMOS_DATA); /* register 0, the seconds: an input, logged */

	if (cr2 || dr[0] || dr[1] || dr[2] || dr[3] || dr6 != DR6_POWER_ON || kgs)
		fail(CODE_STATE_POWER_ON,
		     "state: CR2 0x%x DR0-3 0x%x 0x%x 0x%x 0x%x DR6 0x%x KERNEL_GS_BASE 0x%llx, "
		     "not the power-on values", cr2, dr[0], dr[1], dr[2], dr[3], dr6, kgs);
	print("state: CR2, DR0-3, DR6, KERNEL_GS_BASE at power-on values; CMOS register 0 "
	      "read before selection (0x%x)\n", cmos);

	/* Leave something behind for whoever runs next from the same start. */
	WRITE_REG("cr2", 0xdead000);
	WRITE_REG("dr0", 0x1000);
	WRITE_REG("dr1", 0x2000);
	WRITE_REG("dr2", 0x3000);
	WRITE_REG("dr3", 0x4000);
	WRITE_REG("dr6", DR6_POWER_ON | 1);
	wrmsr(MSR_KERNEL_GS_BASE, 0x5000);
	outb(CMOS_INDEX, CMOS_STATUS_A);
}
