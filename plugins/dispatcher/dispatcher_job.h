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

enum disp_header_kind {
    DISP_HEADER_NONE = 0,
    DISP_HEADER_TEXT,  /* its text is the parameter after the body's */
    DISP_HEADER_IMAGE, /* media: the same link for every recipient */
    DISP_HEADER_VIDEO,
    DISP_HEADER_DOCUMENT, /* may name the file the recipient sees */
};

enum disp_button_kind {
    DISP_BUTTON_URL = 0,     /* parameter: the dynamic suffix of the button's URL */
    DISP_BUTTON_COPY_CODE,   /* parameter: the coupon code */
    DISP_BUTTON_QUICK_REPLY, /* parameter: the payload echoed back when tapped */
};

#define DISP_MAX_BUTTONS 10

struct disp_button {
    enum disp_button_kind kind;
    int index; /* the button's position in the approved template, 0-9 */
};

struct disp_job {
    int64_t campaign_id;
    int64_t recipient_id;
    char *phone;           /* E.164 digits, no '+' */
    char *phone_number_id; /* business phone number id (digits) */
    char *template_name;
    char *template_language;
    /* Every rendered value, as the job carries them: the body's parameters, then the header's
     * text when the header is text, then one value per button. */
    char **params;
    size_t n_params;
    size_t n_body_params; /* the first n_body_params of params */
    enum disp_header_kind header;
    char *header_media;     /* media headers: the http(s) link, or the media ID */
    int header_media_is_id; /* 1: header_media is an uploaded media's ID */
    char *header_filename;  /* document headers, optional */
    struct disp_button buttons[DISP_MAX_BUTTONS];
    size_t n_buttons;
    double rate_limit; /* campaign cap in msg/s; 0 = none */
};

/* Parse `payload` (len bytes). Returns 0 and fills `out` (owned; free with disp_job_free), or
 * -1 with a one-line reason in `err`. */
int disp_job_parse(const char *payload, size_t len, struct disp_job *out, char *err, size_t errlen);

void disp_job_free(struct disp_job *job);

/* 1 when s is 1..max_len ASCII digits. */
int disp_all_digits(const char *s, size_t min_len, size_t max_len);

#endif
