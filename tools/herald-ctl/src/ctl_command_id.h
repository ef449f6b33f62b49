/*
 * ctl_command_id.h - a fresh command id for every command herald-ctl posts.
 *
 * Why this exists: consumers treat a repeated command_id as a no-op (idempotency), so two
 * different operator actions must never share one. 128 random bits from OpenSSL's CSPRNG,
 * as 32 lowercase hex characters.
 */
#ifndef HERALD_CTL_COMMAND_ID_H
#define HERALD_CTL_COMMAND_ID_H

#include <stddef.h>

#define CTL_COMMAND_ID_LEN 33 /* 32 hex + NUL */

/* Writes the id into out (>= CTL_COMMAND_ID_LEN bytes). 0 ok, -1 if no randomness. */
int ctl_command_id_new(char *out, size_t len);

#endif
