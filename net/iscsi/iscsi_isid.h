/*
 * The session's ISID (RFC 7143 section 10.12.5), stable per server: the
 * "Random" format (T = 10b, A = 0, B and C a 24-bit number, D a 16-bit
 * qualifier) with B, C and D taken from a hash of the server's identity
 * (its configured name, its MAC). The same identity gives the same ISID
 * across reconnects and reboots, which targets that key persistent
 * reservations on initiator name + ISID (LIO, istgt) need. Pure.
 */
#ifndef FTV_ISCSI_ISID_H
#define FTV_ISCSI_ISID_H

#include <stddef.h>
#include <stdint.h>

#define ISCSI_ISID_SIZE 6
#define ISCSI_ISID_TYPE_RANDOM 0x80 /* T = 10b in byte 0's top bits */

void iscsi_isid_derive(const void *identity, size_t len, uint8_t isid[ISCSI_ISID_SIZE]);

#endif
