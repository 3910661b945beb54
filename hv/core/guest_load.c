#include "hv/core/guest_load.h"

#include <string.h>

#include "hv/lib/log.h"
#include "hv/lib/stop.h"
#include "hv/vmx/vmcs.h"
#include "hv/vmx/host.h"
#include "hv/vmx/vmcs_setup.h"

static void guest_line(void *ctx, const char *line)
{
	log_info((const char *)ctx, "%s", line);
}

/* The disk's INTA, at the I/O APIC pin its slot routes to. */
static void disk_intx(void *ctx, int asserted)
{
	struct vcpu *v = ctx;
	vioapic_set_line(&v->ioapic, vpci_intx_gsi(VIRTIO_BLK_SLOT, PCI_INTERRUPT_PIN_INTA), asserted);
}

/* The PCI bus with its devices. The disk has no medium yet: it answers
 * every read or write with an I/O error until the shared-storage backend
 * (issue 10, the iSCSI LUN under record/replay) takes the RAM disk's place. */
static void power_on_pci(struct vcpu *v)
{
	const struct guest_mem mem = { v->ram, v->ram_size };
	struct blk_backend backend;
	vpci_init(&v->pci);
	blk_ramdisk_init(&v->no_medium, NULL, 0, &backend);
	virtio_blk_init(&v->disk, &mem, &backend, "ftvisor-disk0");
	if (virtio_blk_attach(&v->disk, &v->pci) != 0)
		panic("guest: the virtio-blk disk does not fit on the PCI bus");
	virtio_pci_wire_intx(&v->disk.pci, disk_intx, v);
}

/* The I/O APIC's deliveries go to the one local APIC. */
static void ioapic_deliver(void *ctx, uint8_t vector)
{
	struct vcpu *v = ctx;
	vlapic_raise(&v->lapic, vector);
}

void guest_power_on(struct vcpu *v, const struct guest_image *img)
{
	vcpu_reset(v);
	vuart_reset(&v->uart, guest_line, "guest");
	vrtc_reset(&v->rtc);
	v->ioapic.deliver = ioapic_deliver;
	v->ioapic.deliver_ctx = v;
	vioapic_reset(&v->ioapic);
	power_on_pci(v);
	memset(v->ram, 0, v->ram_size);
	memcpy(v->ram + img->hdr.load_gpa, img->data, img->size);
	size_t n = strnlen(img->cmdline, FTV_GUEST_CMDLINE_MAX - 1);
	memcpy(v->ram + FTV_GUEST_CMDLINE_GPA, img->cmdline, n);
	v->ram[FTV_GUEST_CMDLINE_GPA + n] = 0;
	vmcs_write(VMCS_GUEST_RIP, img->hdr.entry_gpa);
	v->ctx.gpr[GPR_RAX] = FTV_BOOT_MAGIC;
	v->ctx.gpr[GPR_RBX] = FTV_GUEST_CMDLINE_GPA;

	v->point = (struct exec_point){ 0, img->hdr.entry_gpa, 0 };
	v->tsc_base = host_rdtsc();
	v->state = VCPU_RUNNING;
	v->exits = 0;
	memset(v->exit_counts, 0, sizeof(v->exit_counts));
	v->interrupts_injected = 0;
	v->report_code = 0;
	v->stop_reason[0] = 0;
}
