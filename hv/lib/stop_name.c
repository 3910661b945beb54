/* The names of the stop codes, for the console (apart from stop.c, which
 * halts the machine, so that host tests can name codes too). */
#include "hv/lib/stop.h"

static const char *const stop_names[] = {
	[STOP_GUEST_PASSED] = "guest passed",
	[STOP_GUEST_FAILED] = "guest failed",
	[STOP_NO_VMX] = "no VT-x",
	[STOP_CONFIG] = "bad config",
	[STOP_GUEST_IMAGE] = "bad guest image",
	[STOP_MEMORY] = "not enough memory",
	[STOP_VMX_DISABLED] = "VT-x disabled by firmware",
	[STOP_HV_FAULT] = "hypervisor fault",
	[STOP_GUEST_CRASHED] = "guest crashed",
	[STOP_VMX_SETUP] = "VMX setup failed",
	[STOP_OPERATOR] = "operator request",
	[STOP_RECORD_LIMIT] = "recording limit reached",
	[STOP_DIVERGED] = "replay diverged",
	[STOP_REPLAY_END] = "replay reached the end of the log",
};

const char *stop_name(enum ftv_stop code)
{
	if ((unsigned)code < sizeof(stop_names) / sizeof(stop_names[0]) && stop_names[code])
		return stop_names[code];
	return "unknown";
}
