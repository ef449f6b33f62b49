/*
 * wamid formatting (see mock_wamid.h). Standard base64 alphabet without padding, like the ids Meta
 * returns.
 */
#include "mock_wamid.h"

#include <stdio.h>
#include <string.h>

static size_t base64(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        if (i + 1 < n) /* unpadded, like the ids Meta returns */
            out[o++] = tbl[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = tbl[v & 63];
    }
    out[o] = '\0';
    return o;
}

void mock_wamid_format(char out[MOCK_WAMID_MAX], const char *wa_id, uint32_t nonce,
                       uint64_t counter)
{
    unsigned char frame[64];
    size_t n = 0, len = strnlen(wa_id, 15);
    frame[n++] = 0x1c;
    frame[n++] = 0x18;
    frame[n++] = (unsigned char)len;
    memcpy(frame + n, wa_id, len);
    n += len;
    static const unsigned char mid[] = {0x15, 0x02, 0x00, 0x11, 0x18, 0x12};
    memcpy(frame + n, mid, sizeof mid);
    n += sizeof mid;
    char hex[20];
    snprintf(hex, sizeof hex, "%06X%012llX", nonce & 0xffffffu,
             (unsigned long long)(counter & 0xffffffffffffULL));
    memcpy(frame + n, hex, 18);
    n += 18;
    frame[n++] = 0x00;
    memcpy(out, "wamid.", 6);
    base64(frame, n, out + 6);
}
