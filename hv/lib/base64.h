/* Standard base64 (RFC 4648, with padding). Pure. */
#ifndef FTV_BASE64_H
#define FTV_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Encodes n bytes into out, NUL-terminated; out needs 4 * ceil(n / 3) + 1
 * bytes. Returns the number of characters written. */
size_t base64_encode(const uint8_t *in, size_t n, char *out);

/* 0..63 for a character of the standard alphabet, -1 otherwise. */
int base64_char_value(char c);
/* Decodes len characters (no whitespace, '=' only padding the last group)
 * into out, which has room for len / 4 * 3 bytes. The byte count, or -1
 * with 'why' set. */
long base64_decode(const char *text, size_t len, uint8_t *out, char *why, size_t why_size);

#endif
