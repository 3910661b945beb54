/*
 * lwIP's platform header for ftvisor: freestanding x86-64 with newlib's
 * headers; diagnostics and assertions go to ftvisor's console.
 */
#ifndef FTV_LWIP_ARCH_CC_H
#define FTV_LWIP_ARCH_CC_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

/* newlib defines ssize_t (long) but not SSIZE_MAX, and has no unistd.h
 * worth including here: say so, or lwIP typedefs its own int ssize_t. */
#define SSIZE_MAX LONG_MAX
#define LWIP_NO_UNISTD_H 1

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lwip_port_assert(const char *what, const char *file, int line) __attribute__((noreturn));
uint32_t lwip_port_random(void);

/* x is a parenthesised printf argument list. */
#define LWIP_PLATFORM_DIAG(x) do { lwip_port_diag x; } while (0)
/* A failed lwIP assertion is a broken invariant: panic with the place. */
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() lwip_port_random()

#endif
