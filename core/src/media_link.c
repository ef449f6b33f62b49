/*
 * media_link.c - the media link rule shared by the segmenter and the dispatcher (see the
 * header).
 */
#include "herald/media_link.h"

#include <string.h>

int herald_media_link_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 2048 || (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

int herald_media_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}
