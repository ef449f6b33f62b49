/*
 * json_keys.c - see json_keys.h.
 */
#include "json_keys.h"

#include <stdio.h>
#include <string.h>

int json_only_keys(const json_t *o, const char *const *allowed, const char *label, char *err,
                   size_t errlen)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, key) == 0;
        if (!ok) {
            snprintf(err, errlen, "%s: unknown key '%.64s'", label, key);
            return -1;
        }
    }
    return 0;
}
