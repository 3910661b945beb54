/* Model-specific registers ftvisor touches, named once (Intel SDM vol. 4). */
#ifndef FTV_ARCH_MSR_H
#define FTV_ARCH_MSR_H

#define MSR_IA32_TSC                0x010
#define MSR_IA32_APIC_BASE          0x01b
#define MSR_IA32_FEATURE_CONTROL    0x03a
#define MSR_IA32_TSC_ADJUST         0x03b
#define MSR_IA32_ARCH_CAPABILITIES  0x10a
#define MSR_IA32_TSX_CTRL           0x122
#define MSR_TSX_FORCE_ABORT         0x10f
#define MSR_IA32_SYSENTER_CS        0x174
#define MSR_IA32_SYSENTER_ESP       0x175
#define MSR_IA32_SYSENTER_EIP       0x176
#define MSR_IA32_MISC_ENABLE        0x1a0
#define MSR_IA32_PAT                0x277
#define MSR_IA32_PERF_GLOBAL_CTRL   0x38f
#define MSR_IA32_VMX_BASIC          0x480
#define MSR_IA32_VMX_PINBASED_CTLS  0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS      0x483
#define MSR_IA32_VMX_ENTRY_CTLS     0x484
#define MSR_IA32_VMX_MISC           0x485
#define MSR_IA32_VMX_CR0_FIXED0     0x486
#define MSR_IA32_VMX_CR0_FIXED1     0x487
#define MSR_IA32_VMX_CR4_FIXED0     0x488
#define MSR_IA32_VMX_CR4_FIXED1     0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP   0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS      0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS     0x490
#define MSR_IA32_X2APIC_FIRST       0x800
#define MSR_IA32_X2APIC_LAST        0x8ff
#define MSR_X2APIC_IRR0             0x820
#define MSR_X2APIC_TIMER_CURRENT    0x839
#define MSR_IA32_EFER               0xc0000080
#define MSR_IA32_STAR               0xc0000081
#define MSR_IA32_LSTAR              0xc0000082
#define MSR_IA32_CSTAR              0xc0000083
#define MSR_IA32_FMASK              0xc0000084
#define MSR_IA32_FS_BASE            0xc0000100
#define MSR_IA32_GS_BASE            0xc0000101
#define MSR_IA32_KERNEL_GS_BASE     0xc0000102
#define MSR_IA32_TSC_AUX            0xc0000103

/* IA32_FEATURE_CONTROL bits */
#define FEATURE_CONTROL_LOCK        (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* IA32_ARCH_CAPABILITIES and IA32_TSX_CTRL bits */
#define ARCH_CAP_TSX_CTRL           (1ull << 7)
#define TSX_CTRL_RTM_DISABLE        (1ull << 0)
#define TSX_CTRL_CPUID_CLEAR        (1ull << 1)
#define TSX_FORCE_ABORT_RTM         (1ull << 0)  /* MSR_TSX_FORCE_ABORT: every XBEGIN aborts */

/* IA32_APIC_BASE bits */
#define APIC_BASE_BSP               (1ull << 8)
#define APIC_BASE_X2APIC            (1ull << 10)
#define APIC_BASE_ENABLE            (1ull << 11)

#endif
