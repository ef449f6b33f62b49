/*
 * dispatcher_job.h - one message of the `jobs` topic, parsed and validated.
 *
 * Why validate here: phone_number_id becomes part of the request URL and phone the `to` of a
 * real message, so anything that is not plain digits is refused before it can reach the API.
 */
#ifndef HERALD_DISPATCHER_JOB_H
#define HERALD_DISPATCHER_JOB_H

#include <stddef.h>
#include <stdint.h>

struct disp_job {
    int64_t campaign_id;
    int64_t recipient_id;
    char *phone;           /* E.164 digits, no '+' */
    char *phone_number_id; /* business phone number id (digits) */
    char *template_name;
    char *template_language;
    char **params; /* body parameters in order, rendered as text */
    size_t n_params;
    double rate_limit; /* campaign cap in msg/s; 0 = none */
};

/* Parse `payload` (len bytes). Returns 0 and fills `out` (owned; free with disp_job_free), or
 * -1 with a one-line reason in `err`. */
int disp_job_parse(const char *payload, size_t len, struct disp_job *out, char *err, size_t errlen);

void disp_job_free(struct disp_job *job);

/* 1 when s is 1..max_len ASCII digits. */
int disp_all_digits(const char *s, size_t min_len, size_t max_len);

#endif
