/*
 * The 82540EM's two homes for the MAC address, as pure conversions: the
 * EEPROM's words 0-2 (where Bochs puts it: nothing else has it there) and
 * the receive-address registers RAL0/RAH0 the driver must program.
 */
#ifndef FTV_DRIVERS_E1000_MAC_H
#define FTV_DRIVERS_E1000_MAC_H

#include <stdint.h>

#define E1000_EEPROM_MAC_WORDS 3

/* Words are little-endian byte pairs: word 0 holds bytes 0 (low) and 1. */
void e1000_mac_from_eeprom(const uint16_t words[E1000_EEPROM_MAC_WORDS], uint8_t mac[6]);

/* RAL0 holds bytes 0-3, RAH0 bytes 4-5 plus the address-valid bit. */
void e1000_mac_to_receive_address(const uint8_t mac[6], uint32_t *ral, uint32_t *rah);

/* A usable station address: not all zeros, not multicast/broadcast. */
int e1000_mac_usable(const uint8_t mac[6]);

#endif
