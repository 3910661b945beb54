#include "drivers/e1000_mac.h"

#include "drivers/e1000_regs.h"

void e1000_mac_from_eeprom(const uint16_t words[E1000_EEPROM_MAC_WORDS], uint8_t mac[6])
{
	for (int i = 0; i < E1000_EEPROM_MAC_WORDS; i++) {
		mac[2 * i] = (uint8_t)(words[i] & 0xff);
		mac[2 * i + 1] = (uint8_t)(words[i] >> 8);
	}
}

void e1000_mac_to_receive_address(const uint8_t mac[6], uint32_t *ral, uint32_t *rah)
{
	*ral = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
	       (uint32_t)mac[3] << 24;
	*rah = (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | E1000_RAH_AV;
}

int e1000_mac_usable(const uint8_t mac[6])
{
	const uint8_t group_bit = 0x01;   /* I/G bit of the first byte */
	int any = 0;
	for (int i = 0; i < 6; i++)
		any |= mac[i];
	return any && !(mac[0] & group_bit);
}
