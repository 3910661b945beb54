/* Standard base64 (RFC 4648, with padding). Pure. */
#ifndef FTV_BASE64_H
#define FTV_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Encodes n bytes into out, NUL-terminated; out needs 4 * ceil(n / 3) + 1
 * bytes. Returns the number of characters written. */
size_t base64_encode(const uint8_t *in, size_t n, char *out);

#endif
