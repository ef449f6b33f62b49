/*
 * ctl_command_id.c - random command ids; see ctl_command_id.h.
 */
#include "ctl_command_id.h"

#include <openssl/rand.h>
#include <stdio.h>

int ctl_command_id_new(char *out, size_t len)
{
    unsigned char raw[16];
    if (len < CTL_COMMAND_ID_LEN || RAND_bytes(raw, sizeof(raw)) != 1)
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}
