/*
 * CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and
 * final xor ~0), the checksum of the record/replay log. Pure; computed with
 * SSE4.2's CRC32 instruction where the CPU has it, else from a table.
 */
#ifndef FTV_CRC32C_H
#define FTV_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Extends a finished CRC with more bytes, so a message can be checksummed in
 * pieces: start from 0, and crc32c_update(crc32c_update(0, a, n), b, m) is
 * the CRC of a followed by b.
 */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t len);

/* The same, always from the table (what CPUs without SSE4.2 run). */
uint32_t crc32c_update_table(uint32_t crc, const void *data, size_t len);

/* The CRC of one buffer: crc32c("123456789", 9) == 0xE3069283. */
uint32_t crc32c(const void *data, size_t len);

#endif
