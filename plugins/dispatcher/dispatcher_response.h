/*
 * dispatcher_response.h - what the Cloud API answered: the wamid of an accepted message, or
 * the error code, message and fbtrace_id of a refused one.
 *
 * Why bounded fixed buffers: the response is untrusted input; nothing in it may grow memory.
 */
#ifndef HERALD_DISPATCHER_RESPONSE_H
#define HERALD_DISPATCHER_RESPONSE_H

#include <stddef.h>

struct disp_response {
    int has_wamid;
    char wamid[256];
    int code;          /* error.code, 0 when absent */
    char title[256];   /* error.message (or error_user_title), truncated */
    char details[256]; /* error.error_data.details, truncated */
    char fbtrace_id[64];
};

/* Parse a response body (may be NULL/empty/garbage: the result is then all zeros). */
void disp_response_parse(const char *body, size_t len, struct disp_response *out);

#endif
