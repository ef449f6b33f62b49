/*
 * Configuration of the mock: command-line flags, environment overrides and the runtime JSON
 * accepted by POST /mock/config, all described by one option table so a flag and its JSON
 * key can never drift apart (`--rate-per-second` <-> "rate_per_second").
 *
 * A configuration is immutable once published: request threads take a reference with
 * mock_config_acquire() and see a consistent snapshot for the whole request, while
 * POST /mock/config builds a modified copy and swaps it in. That keeps the hot path free of
 * locks beyond one short mutex for the pointer swap.
 */
#ifndef MOCK_CONFIG_H
#define MOCK_CONFIG_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mock_template {
    char *name;
    int64_t body_params; /* number of body parameters the approved template expects */
    /* Registered as name:N:HEADER:BUTTONS, its header and parameterised buttons are checked
     * too: header 'n' none, 't' text, 'i' image, 'v' video, 'd' document ('\0': not
     * checked); buttons[i] what button i takes, 'u' url, 'c' copy_code, 'q' quick_reply, '-'
     * nothing (a static button). */
    char header;
    char buttons[11];
} mock_template_t;

typedef struct mock_permanent {
    char *to;     /* recipient digits */
    int64_t code; /* Meta error code answered for this recipient, e.g. 131026 */
} mock_permanent_t;

typedef struct mock_config {
    atomic_int refs;

    /* startup only */
    char *listen;
    int64_t threads;
    int64_t max_records;
    int64_t webhook_queue;
    int64_t webhook_concurrency;
    int64_t seed;

    /* access */
    char *token;
    bool token_expired;
    int64_t account_error;       /* code answered to every send (131031, 131042, ...); 0 = none */
    int64_t token_expires_at_ms; /* unix ms; 0 = never */

    /* limits */
    double rate_per_second; /* per phone number; 0 = unlimited */
    int64_t pair_interval_ms;
    int64_t throttle_http_status;

    /* fault injection */
    double fail_5xx_share;
    double timeout_share;
    int64_t timeout_ms; /* how long a "timeout" holds the request; 0 = close at once */
    double timeout_accepted_share;
    int64_t latency_ms;
    int64_t latency_jitter_ms;
    mock_permanent_t *permanent;
    size_t n_permanent;
    bool permanent_via_webhook;
    mock_template_t *templates;
    size_t n_templates;
    char *paused_templates; /* comma-separated names answered 132015, as Meta does for a
                               template paused for low quality */

    /* webhooks */
    char *webhook_url;
    char *app_secret;
    char *waba_id;
    char *display_phone_number;
    int64_t webhook_delay_ms;
    int64_t webhook_jitter_ms;
    double delivered_share;
    double read_share;
    double fail_share;
    int64_t *fail_codes;
    size_t n_fail_codes;
    double reply_share;
    double stop_share; /* of the replies: an opt-out ("STOP", or the "Stop promotions" button) */
    double duplicate_share;
    double reorder_share;
    double batch_share;
    int64_t batch_max;
    int64_t webhook_timeout_ms;
    int64_t retry_initial_ms;
    int64_t retry_max_ms;
    int64_t retry_max_attempts;
} mock_config_t;

/* A config with every default filled in; refs = 1. */
mock_config_t *mock_config_new_default(void);

/* Deep copy with refs = 1. */
mock_config_t *mock_config_clone(const mock_config_t *cfg);

void mock_config_ref(mock_config_t *cfg);
void mock_config_unref(mock_config_t *cfg);

/*
 * Applies argv (without argv[0]) then the environment overrides MOCK_TOKEN and
 * MOCK_APP_SECRET. Returns 0, or -1 with a message in err. Sets *want_help for --help.
 */
int mock_config_parse_args(mock_config_t *cfg, int argc, char **argv, bool *want_help, char *err,
                           size_t err_len);

/*
 * Applies a runtime JSON object. Keys that only make sense at startup are refused, as are
 * unknown keys, so a typo in a test fails loudly. Returns 0, or -1 with a message in err
 * (cfg may then be partly modified: apply to a clone).
 */
int mock_config_apply_json(mock_config_t *cfg, const json_t *obj, char *err, size_t err_len);

/* The whole configuration as JSON (the app secret and token are masked). New reference. */
json_t *mock_config_to_json(const mock_config_t *cfg);

/* Usage text for --help. */
void mock_config_print_usage(const char *argv0);

/* Template lookup: expected body parameter count, or -1 when the name is not registered. */
int64_t mock_config_template_params(const mock_config_t *cfg, const char *name);
/* The registered template of that name, NULL when none. */
const mock_template_t *mock_config_template(const mock_config_t *cfg, const char *name);

/* 1 when `name` is one of paused_templates. */
int mock_config_template_paused(const mock_config_t *cfg, const char *name);

/* Permanent error for a recipient, or 0. */
int64_t mock_config_permanent_code(const mock_config_t *cfg, const char *to);

/* Holder of the current configuration, swapped atomically under a mutex. */
typedef struct mock_config_holder mock_config_holder_t;

mock_config_holder_t *mock_config_holder_new(mock_config_t *initial); /* takes the reference */
void mock_config_holder_free(mock_config_holder_t *h);
mock_config_t *mock_config_acquire(mock_config_holder_t *h);           /* caller unrefs */
void mock_config_publish(mock_config_holder_t *h, mock_config_t *cfg); /* takes the reference */

#endif
