/*
 * dispatcher_errors.c - the Cloud API error table (../shared/notes/whatsapp-cloud-api.md)
 * turned into actions.
 *
 * Why classify by Meta code first: sources disagree whether throttling comes back as HTTP 400
 * or 429, so the code in the error body decides; the HTTP status only decides when the body
 * had no code. An answer that may have been processed by Meta but gave no wamid is
 * "uncertain": the API has no idempotency key, so a blind retry could message a person twice.
 */
#include "dispatcher_errors.h"

#include <curl/curl.h>

static int is_retry_code(int code)
{
    return code == 1 || code == 2 || code == 131000 || code == 131057;
}

static int is_throttle_code(int code)
{
    return code == 130429 || code == 4 || code == 80007 || code == 613;
}

static int is_token_code(int code)
{
    return code == 190 || code == 10 || (code >= 200 && code <= 299);
}

static int is_template_code(int code)
{
    return code == 132000 || code == 132001;
}

static int is_permanent_code(int code)
{
    return code == 131026 || code == 131047 || code == 131049 || code == 100 || code == 131008;
}

static enum disp_action classify_code(int code)
{
    if (is_throttle_code(code))
        return DISP_ACT_THROTTLE_NUMBER;
    if (code == 131056)
        return DISP_ACT_RETRY_RECIPIENT;
    if (is_retry_code(code))
        return DISP_ACT_RETRY;
    if (is_token_code(code))
        return DISP_ACT_STOP_NUMBER;
    if (disp_hold_reason(code))
        return DISP_ACT_PAUSE_NUMBER;
    if (is_template_code(code))
        return DISP_ACT_STOP_CAMPAIGN;
    if (code == 132015) /* Meta lifts the pause after some hours: the campaign goes on then */
        return DISP_ACT_PAUSE_CAMPAIGN;
    if (code == 131050)
        return DISP_ACT_FAILED_OPT_OUT;
    if (is_permanent_code(code))
        return DISP_ACT_FAILED;
    return (enum disp_action) - 1; /* unknown: let the HTTP status decide */
}

static enum disp_action classify_status(long status)
{
    if (status == 401)
        return DISP_ACT_STOP_NUMBER;
    if (status == 429)
        return DISP_ACT_THROTTLE_NUMBER;
    if (status >= 500)
        return DISP_ACT_RETRY;
    if (status == 408) /* the server gave up waiting for our request: not processed */
        return DISP_ACT_RETRY;
    return DISP_ACT_FAILED;
}

enum disp_action disp_classify(enum disp_transport tx, long http_status, int meta_code,
                               int has_wamid, int retry_ambiguous)
{
    if (tx == DISP_TX_NOT_SENT)
        return DISP_ACT_RETRY;
    if (tx == DISP_TX_AMBIGUOUS)
        return retry_ambiguous ? DISP_ACT_RETRY : DISP_ACT_UNCERTAIN;
    if (http_status >= 200 && http_status < 300)
        return has_wamid ? DISP_ACT_ACCEPTED : DISP_ACT_UNCERTAIN;
    if (meta_code != 0) {
        enum disp_action a = classify_code(meta_code);
        if ((int)a >= 0)
            return a;
    }
    return classify_status(http_status);
}

enum disp_transport disp_transport_of_curl(int curl_code, int request_sent)
{
    switch (curl_code) {
    case CURLE_OK:
        return DISP_TX_ANSWERED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
        return DISP_TX_NOT_SENT;
    default:
        return request_sent ? DISP_TX_AMBIGUOUS : DISP_TX_NOT_SENT;
    }
}

/* Errors of the number or the account, not of the recipient: every further send would fail
 * the same way until the business fixes it (or Meta lifts it), so the audience is held, not
 * failed. */
const char *disp_hold_reason(int code)
{
    switch (code) {
    case 131048:
        return "spam rate limit hit";
    case 368:
        return "temporarily blocked for policy violations";
    case 131031:
        return "business account locked";
    case 131042:
        return "payment method problem (business eligibility)";
    case 133010:
        return "phone number not registered";
    case 131045:
        return "phone number registration error (certificate)";
    case 131037:
        return "display name not approved yet";
    default:
        return NULL;
    }
}

const char *disp_action_name(enum disp_action a)
{
    static const char *const names[] = {
        "accepted",      "retry",          "throttle_number", "retry_recipient",
        "failed",        "failed_opt_out", "stop_number",     "pause_number",
        "stop_campaign", "pause_campaign", "uncertain",
    };
    if ((int)a < 0 || (size_t)a >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[a];
}

int disp_action_is_retry(enum disp_action a)
{
    return a == DISP_ACT_RETRY || a == DISP_ACT_THROTTLE_NUMBER || a == DISP_ACT_RETRY_RECIPIENT;
}
