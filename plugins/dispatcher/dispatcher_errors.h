/*
 * dispatcher_errors.h - what to do after one send attempt, decided from the transport result,
 * the HTTP status and Meta's error code.
 *
 * Why a separate, pure module: the table in the shared Cloud API notes is the heart of the
 * dispatcher's correctness (retry vs fail vs stop a number vs stop a campaign vs "uncertain"),
 * so it lives alone where every row can be unit-tested without a network.
 */
#ifndef HERALD_DISPATCHER_ERRORS_H
#define HERALD_DISPATCHER_ERRORS_H

/* How far a request got, as far as the HTTP client can tell. */
enum disp_transport {
    DISP_TX_ANSWERED = 0, /* a complete HTTP response came back */
    DISP_TX_NOT_SENT,     /* failed before the request could reach the server (connect, DNS) */
    DISP_TX_AMBIGUOUS,    /* failed after the request may have reached the server */
};

enum disp_action {
    DISP_ACT_ACCEPTED = 0,    /* 2xx with a wamid */
    DISP_ACT_RETRY,           /* transient and not processed: back off and try again */
    DISP_ACT_THROTTLE_NUMBER, /* throughput/call-rate limit: slow the number down, retry */
    DISP_ACT_RETRY_RECIPIENT, /* pair rate limit: delay this recipient only */
    DISP_ACT_FAILED,          /* permanent for this recipient */
    DISP_ACT_FAILED_OPT_OUT,  /* permanent, and the contact opted out of marketing */
    DISP_ACT_STOP_NUMBER,     /* token invalid/expired or missing permission: hold + alert */
    DISP_ACT_PAUSE_NUMBER,    /* spam limit, policy block, account locked or unpaid, number
                                 not registered: hold the number, report */
    DISP_ACT_STOP_CAMPAIGN,   /* template missing/unapproved or parameters that do not fit */
    DISP_ACT_PAUSE_CAMPAIGN,  /* template paused by Meta (low quality) for some hours */
    DISP_ACT_UNCERTAIN,       /* may or may not have been sent: never retried blindly */
};

/*
 * Classify one attempt. `meta_code` is error.code from the response body (0 when there was
 * no parsable error object); `has_wamid` is 1 when a 2xx body carried messages[0].id.
 * `retry_ambiguous` (config) turns DISP_ACT_UNCERTAIN for transport failures into
 * DISP_ACT_RETRY, accepting possible duplicates.
 */
enum disp_action disp_classify(enum disp_transport tx, long http_status, int meta_code,
                               int has_wamid, int retry_ambiguous);

/* Transport class of a libcurl result code. `request_sent` is 1 when libcurl reports having
 * written request bytes (CURLINFO_REQUEST_SIZE > 0). */
enum disp_transport disp_transport_of_curl(int curl_code, int request_sent);

/* Why a number is held for `code` (131048 spam rate limit, 368 policy block, 131031 account
 * locked, 131042 payment problem, 133010 number not registered, 131045 registration
 * certificate, 131037 display name not approved), or NULL: not a hold code. */
const char *disp_hold_reason(int code);

/* Stable lower-case name for logs and metrics ("retry", "stop_number", ...). */
const char *disp_action_name(enum disp_action a);

/* 1 for the actions that put the job back in the queue (RETRY, THROTTLE, RETRY_RECIPIENT). */
int disp_action_is_retry(enum disp_action a);

#endif
