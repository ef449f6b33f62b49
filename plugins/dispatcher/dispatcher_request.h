/*
 * dispatcher_request.h - the Cloud API request for one job: URL and template message body.
 *
 * Why its own module: the body is what a real person receives, so its exact shape (component
 * parameters in order, biz_opaque_callback_data "c=<campaign>;r=<recipient>" so status
 * webhooks can be attributed without a lookup) is unit-tested on its own.
 */
#ifndef HERALD_DISPATCHER_REQUEST_H
#define HERALD_DISPATCHER_REQUEST_H

#include <stddef.h>

#include "dispatcher_job.h"

/* Returns the JSON body as a malloc'd NUL-terminated string (caller frees), or NULL. */
char *disp_request_body(const struct disp_job *job);

/* Writes "<base>/<version>/<phone_number_id>/messages" into buf. Returns 0, or -1 when it
 * does not fit. A trailing '/' on base is tolerated. */
int disp_request_url(const char *base, const char *version, const char *phone_number_id, char *buf,
                     size_t len);

/* "c=<campaign>;r=<recipient>" into buf (always fits in 48 bytes). */
void disp_callback_data(long long campaign_id, long long recipient_id, char *buf, size_t len);

#endif
