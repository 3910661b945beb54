/* The serial console's command line. */
#ifndef FTV_SHELL_H
#define FTV_SHELL_H

#include "hv/vmx/vcpu.h"

struct hv_state;

/* Runs one line ("help", "exits", ...). Unknown commands say so. */
void shell_execute(struct hv_state *hv, const char *line);
/* Runs ';'-separated commands (config console.autorun). */
void shell_run_script(struct hv_state *hv, const char *script);
/* Prompt and read commands forever. */
void shell_loop(struct hv_state *hv) __attribute__((noreturn));

#endif
