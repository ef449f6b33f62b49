/*
 * Test-facing endpoints (see mock_admin_handlers.h).
 */
#include "mock_admin_handlers.h"

#include "mock_clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SENDS_LIMIT 1000000

static void reply_problem(mock_http_reply_t *reply, int status, const char *message)
{
    mock_reply_json(reply, status, json_pack("{s:s}", "error", message));
}

void mock_admin_healthz(mock_app_t *app, mock_http_reply_t *reply)
{
    mock_reply_json(reply, 200,
                    json_pack("{s:s, s:I}", "status", "ok", "uptime_ms",
                              (json_int_t)(mock_wall_ms() - app->started_ms)));
}

static int parse_count(const char *s, uint64_t dflt, uint64_t *out)
{
    if (!s || !*s) {
        *out = dflt;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

void mock_admin_sends(mock_app_t *app, const char *since, const char *limit,
                      mock_http_reply_t *reply)
{
    uint64_t from, max;
    if (parse_count(since, 0, &from) || parse_count(limit, DEFAULT_SENDS_LIMIT, &max)) {
        reply_problem(reply, 400, "since and limit must be non-negative integers");
        return;
    }
    size_t len;
    char *body = mock_send_log_dump(app->sends, from, (size_t)max, &len);
    mock_reply_set(reply, 200, body);
    reply->body_len = len;
}

void mock_admin_stats(mock_app_t *app, mock_http_reply_t *reply)
{
    json_t *o = json_object();
    mock_counters_stats(&app->counters, o);
    mock_send_log_stats(app->sends, o);
    json_object_set_new(o, "uptime_ms", json_integer(mock_wall_ms() - app->started_ms));
    if (app->webhooks) {
        char last[160];
        mock_webhook_sender_last_error(app->webhooks, last, sizeof last);
        json_object_set_new(json_object_get(o, "webhooks"), "last_error", json_string(last));
    }
    mock_reply_json(reply, 200, o);
}

void mock_admin_get_config(mock_app_t *app, mock_http_reply_t *reply)
{
    mock_config_t *cfg = mock_config_acquire(app->config);
    mock_reply_json(reply, 200, mock_config_to_json(cfg));
    mock_config_unref(cfg);
}

void mock_admin_set_config(mock_app_t *app, const char *body, size_t len, mock_http_reply_t *reply)
{
    json_error_t jerr;
    char err[256];
    json_t *patch = json_loadb(body, len, 0, &jerr);
    if (!patch) {
        snprintf(err, sizeof err, "config is not JSON: %s", jerr.text);
        reply_problem(reply, 400, err);
        return;
    }
    mock_config_t *cur = mock_config_acquire(app->config);
    mock_config_t *next = mock_config_clone(cur);
    mock_config_unref(cur);
    if (mock_config_apply_json(next, patch, err, sizeof err)) {
        mock_config_unref(next);
        json_decref(patch);
        reply_problem(reply, 400, err);
        return;
    }
    json_decref(patch);
    mock_reply_json(reply, 200, mock_config_to_json(next));
    /* Two concurrent POSTs: the later publish wins (tests change config from one thread). */
    mock_config_publish(app->config, next);
}

void mock_admin_reset(mock_app_t *app, mock_http_reply_t *reply)
{
    mock_send_log_reset(app->sends);
    mock_rate_limiter_reset(app->limiter);
    if (app->webhooks)
        mock_webhook_sender_reset(app->webhooks);
    mock_counters_reset(&app->counters);
    mock_reply_json(reply, 200, json_pack("{s:b}", "reset", 1));
}

typedef struct {
    char *data;
    size_t len, cap;
} text_t;

static void put_line(void *ctx, const char *line)
{
    text_t *t = ctx;
    size_t n = strlen(line);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->data = realloc(t->data, t->cap);
        if (!t->data)
            abort();
    }
    memcpy(t->data + t->len, line, n + 1);
    t->len += n;
}

void mock_admin_metrics(mock_app_t *app, mock_http_reply_t *reply)
{
    text_t t = {0};
    char line[512];
    uint64_t stored, not_stored, dups;
    mock_counters_metrics(&app->counters, put_line, &t);
    mock_send_log_totals(app->sends, &stored, &not_stored, &dups);
    snprintf(line, sizeof line,
             "# HELP herald_mock_records accepted sends stored in memory\n"
             "# TYPE herald_mock_records gauge\nherald_mock_records %llu\n"
             "# HELP herald_mock_records_not_stored_total accepted sends beyond max_records\n"
             "# TYPE herald_mock_records_not_stored_total counter\n"
             "herald_mock_records_not_stored_total %llu\n"
             "# HELP herald_mock_duplicate_sends_total sends repeating (phone number, to, "
             "callback data)\n# TYPE herald_mock_duplicate_sends_total counter\n"
             "herald_mock_duplicate_sends_total %llu\n",
             (unsigned long long)stored, (unsigned long long)not_stored, (unsigned long long)dups);
    put_line(&t, line);
    mock_reply_set(reply, 200, t.data);
    reply->content_type = "text/plain; version=0.0.4";
}

static int webhook_url_set(mock_app_t *app)
{
    mock_config_t *cfg = mock_config_acquire(app->config);
    int set = cfg->webhook_url[0] != '\0';
    mock_config_unref(cfg);
    return set;
}

/* Meta's field names: lower-case letters and '_'. */
static int is_field_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
            return 0;
    return 1;
}

void mock_admin_announce(mock_app_t *app, const char *body, size_t len, mock_http_reply_t *reply)
{
    json_t *root = json_loadb(body ? body : "", len, 0, NULL);
    const char *field = json_string_value(json_object_get(root, "field"));
    json_t *value = json_object_get(root, "value");
    if (!is_field_name(field) || !json_is_object(value) || strcmp(field, "messages") == 0)
        reply_problem(reply, 400,
                      "the body must be {\"field\": an account change such as "
                      "message_template_status_update, \"value\": {...}}");
    else if (!app->webhooks || !webhook_url_set(app))
        reply_problem(reply, 409, "webhooks are off (no webhook_url)");
    else if (mock_webhook_sender_announce(app->webhooks, field, value) != 0)
        reply_problem(reply, 503, "too many announcements waiting");
    else
        mock_reply_json(reply, 200, json_pack("{s:b}", "queued", 1));
    json_decref(root);
}
