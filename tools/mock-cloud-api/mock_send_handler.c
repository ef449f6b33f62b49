/*
 * The send endpoint (see mock_send_handler.h). Short and allocation-light: it runs on the
 * HTTP worker threads for every one of the 20,000+ requests per second of a benchmark.
 */
#include "mock_send_handler.h"

#include "mock_auth.h"
#include "mock_clock.h"
#include "mock_error.h"
#include "mock_faults.h"
#include "mock_payload.h"
#include "mock_wamid.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reply_error(mock_app_t *app, mock_http_reply_t *reply, const mock_error_t *err)
{
    char trace[12];
    mock_error_fbtrace_id(trace);
    mock_reply_set(reply, err->http_status, mock_error_json(err, trace));
    mock_counters_count_rejection(&app->counters, err->code);
}

static int all_digits(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Graph versions look like v23.0. */
static int check_path(const char *version, const char *pnid, mock_error_t *err)
{
    int major, minor, used = 0;
    if (sscanf(version, "v%d.%d%n", &major, &minor, &used) != 2 || version[used] != '\0') {
        mock_error_set(err, 400, 2500, "Unknown path components: /%s", version);
        return -1;
    }
    if (!all_digits(pnid, 32)) {
        mock_error_set(err, 400, 100,
                       "Unsupported post request. Object with ID '%.64s' does not exist, cannot "
                       "be loaded due to missing permissions, or does not support this operation.",
                       pnid);
        err->subcode = 33;
        return -1;
    }
    return 0;
}

/* Throughput, pair limit and permanent recipient errors, in Meta's order. */
static int check_limits(mock_app_t *app, const mock_config_t *cfg, const char *pnid,
                        const mock_send_request_t *req, int64_t *admitted_ms, mock_error_t *err)
{
    int64_t now = mock_mono_ms();
    if (!mock_rate_limiter_admit_now(app->limiter, pnid, cfg->rate_per_second, admitted_ms)) {
        mock_error_set(err, (int)cfg->throttle_http_status, 130429,
                       "Message failed to send because there were too many messages sent from "
                       "this phone number in a short period of time.");
        return -1;
    }
    if (!mock_rate_limiter_admit_pair(app->limiter, pnid, req->wa_id, cfg->pair_interval_ms, now)) {
        mock_error_set(err, 400, 131056,
                       "Message failed to send because there were too many messages sent from "
                       "this phone number to the same phone number in a short period of time.");
        return -1;
    }
    int64_t code = mock_config_permanent_code(cfg, req->wa_id);
    if (code && !cfg->permanent_via_webhook) {
        mock_error_set(err, 400, (int)code, "%s", mock_error_title((int)code));
        return -1;
    }
    return 0;
}

static void accept_send(mock_app_t *app, const mock_config_t *cfg, const char *pnid,
                        const mock_send_request_t *req, int64_t admitted_ms,
                        mock_http_reply_t *reply)
{
    char wamid[MOCK_WAMID_MAX];
    uint64_t counter = atomic_fetch_add(&app->wamid_counter, 1);
    mock_wamid_format(wamid, req->wa_id, app->wamid_nonce, counter);
    mock_send_log_add(app->sends, wamid, pnid, req, admitted_ms);
    atomic_fetch_add(&app->counters.accepted, 1);
    if (app->webhooks && cfg->webhook_url[0]) {
        int fail_code =
            cfg->permanent_via_webhook ? (int)mock_config_permanent_code(cfg, req->wa_id) : 0;
        mock_webhook_sender_submit(app->webhooks, wamid, pnid, req->wa_id, req->callback_data,
                                   fail_code);
    }
    /* "to" passed validation (digits and '+'), so it needs no JSON escaping. */
    size_t cap = 256 + strlen(req->to_input);
    char *body = malloc(cap);
    if (!body)
        abort();
    snprintf(
        body, cap,
        "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"%s\",\"wa_id\":\"%s\"}],"
        "\"messages\":[{\"id\":\"%s\",\"message_status\":\"accepted\"}]}",
        req->to_input, req->wa_id, wamid);
    mock_reply_set(reply, 200, body);
}

static void handle_with_config(mock_app_t *app, const mock_config_t *cfg, const char *version,
                               const char *pnid, const char *authorization, const char *body,
                               size_t body_len, mock_http_reply_t *reply)
{
    mock_error_t err;
    mock_send_request_t req;
    int code;
    int64_t admitted_ms = 0; /* limiter's timestamp, 0 = none */
    if (mock_auth_check(cfg, authorization, mock_wall_ms(), &err) ||
        check_path(version, pnid, &err) || mock_payload_validate(body, body_len, cfg, &req, &err)) {
        reply_error(app, reply, &err);
        return;
    }
    if (cfg->account_error) { /* the account or the number, whoever the recipient */
        mock_error_set(&err, 400, (int)cfg->account_error, "%s",
                       mock_error_title((int)cfg->account_error));
        reply_error(app, reply, &err);
        mock_send_request_clear(&req);
        return;
    }
    mock_fault_t fault = mock_faults_roll(cfg, &code);
    if (fault == MOCK_FAULT_5XX) {
        atomic_fetch_add(&app->counters.fault_5xx, 1);
        mock_error_set(&err, 500, code, "%s", mock_error_title(code));
        reply_error(app, reply, &err);
    } else if (fault == MOCK_FAULT_TIMEOUT) {
        atomic_fetch_add(&app->counters.fault_timeout, 1);
        reply->action = MOCK_REPLY_HANG;
        reply->delay_ms = cfg->timeout_ms;
    } else if (check_limits(app, cfg, pnid, &req, &admitted_ms, &err)) {
        reply_error(app, reply, &err);
    } else {
        accept_send(app, cfg, pnid, &req, admitted_ms, reply);
        if (fault == MOCK_FAULT_TIMEOUT_ACCEPTED) {
            atomic_fetch_add(&app->counters.fault_timeout, 1);
            atomic_fetch_add(&app->counters.fault_timeout_accepted, 1);
            reply->action = MOCK_REPLY_HANG;
            reply->delay_ms = cfg->timeout_ms;
        }
    }
    mock_send_request_clear(&req);
}

void mock_send_handle(mock_app_t *app, const char *version, const char *phone_number_id,
                      const char *authorization, const char *body, size_t body_len,
                      mock_http_reply_t *reply)
{
    atomic_fetch_add(&app->counters.requests, 1);
    mock_config_t *cfg = mock_config_acquire(app->config);
    handle_with_config(app, cfg, version, phone_number_id, authorization, body, body_len, reply);
    if (reply->action == MOCK_REPLY_RESPOND)
        reply->delay_ms = mock_faults_latency_ms(cfg);
    mock_config_unref(cfg);
}
