/*
 * Option table, flag/JSON parsing and the published-config holder (see mock_config.h).
 */
#include "mock_config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    OPT_STRING,
    OPT_INT,
    OPT_DOUBLE,
    OPT_SHARE,
    OPT_BOOL,
    OPT_TEMPLATES,
    OPT_PERMANENT,
    OPT_FAIL_CODES,
} opt_type_t;

typedef struct {
    const char *key; /* JSON key; the flag is the same with '-' for '_' */
    opt_type_t type;
    size_t offset;
    bool runtime; /* may be changed by POST /mock/config */
    double min, max;
    const char *help;
} option_t;

#define OFF(field) offsetof(mock_config_t, field)
#define BIG        9.0e15

static const option_t options[] = {
    {"listen", OPT_STRING, OFF(listen), false, 0, 0, "host:port to listen on (port 0 = any)"},
    {"threads", OPT_INT, OFF(threads), false, 1, 64, "HTTP worker threads (MHD thread pool)"},
    {"max_records", OPT_INT, OFF(max_records), false, 0, BIG, "accepted sends kept in memory"},
    {"webhook_queue", OPT_INT, OFF(webhook_queue), false, 1, BIG,
     "bounded queue between the send path and the webhook thread"},
    {"webhook_concurrency", OPT_INT, OFF(webhook_concurrency), false, 1, 4096,
     "webhook POSTs in flight at once"},
    {"seed", OPT_INT, OFF(seed), false, 0, BIG, "random seed (0 = from the clock)"},
    {"token", OPT_STRING, OFF(token), true, 0, 0, "expected bearer token (\"\" = accept any)"},
    {"token_expired", OPT_BOOL, OFF(token_expired), true, 0, 0, "answer 190 to every send"},
    {"account_error", OPT_INT, OFF(account_error), true, 0, 999999,
     "answer this error of the account or number to every send (131031 locked, 131042 "
     "payment, 133010 not registered, 131048 spam limit, 368 policy block; 0 = none)"},
    {"token_expires_at_ms", OPT_INT, OFF(token_expires_at_ms), true, 0, BIG,
     "unix ms after which the token is expired (0 = never)"},
    {"rate_per_second", OPT_DOUBLE, OFF(rate_per_second), true, 0, 1e9,
     "sends per phone number in any 1 s window (0 = unlimited) -> 130429"},
    {"pair_interval_ms", OPT_INT, OFF(pair_interval_ms), true, 0, BIG,
     "min ms between sends to one recipient (0 = off) -> 131056"},
    {"throttle_http_status", OPT_INT, OFF(throttle_http_status), true, 400, 599,
     "HTTP status of 130429 answers"},
    {"fail_5xx_share", OPT_SHARE, OFF(fail_5xx_share), true, 0, 1,
     "share of sends answered HTTP 500 with code 131000, 1 or 2"},
    {"timeout_share", OPT_SHARE, OFF(timeout_share), true, 0, 1,
     "share of sends never answered (held timeout_ms, then closed)"},
    {"timeout_ms", OPT_INT, OFF(timeout_ms), true, 0, 3600000,
     "how long a timed-out request is held (0 = close at once)"},
    {"timeout_accepted_share", OPT_SHARE, OFF(timeout_accepted_share), true, 0, 1,
     "share of timeouts where the send was accepted before the answer got lost"},
    {"latency_ms", OPT_INT, OFF(latency_ms), true, 0, 600000, "fixed answer latency"},
    {"latency_jitter_ms", OPT_INT, OFF(latency_jitter_ms), true, 0, 600000,
     "extra uniform random latency in [0, jitter)"},
    {"permanent", OPT_PERMANENT, OFF(permanent), true, 0, 0,
     "permanent error per recipient: 4915100000001=131026,..."},
    {"permanent_via_webhook", OPT_BOOL, OFF(permanent_via_webhook), true, 0, 0,
     "accept permanent-error recipients and report the error in a failed status instead"},
    {"templates", OPT_TEMPLATES, OFF(templates), true, 0, 0,
     "registered templates name:body_params[:HEADER:BUTTONS] (flag --template, repeatable)"},
    {"paused_templates", OPT_STRING, OFF(paused_templates), true, 0, 0,
     "template names answered 132015 (paused for low quality): spring_sale,other"},
    {"webhook_url", OPT_STRING, OFF(webhook_url), true, 0, 0, "where status/reply webhooks go"},
    {"app_secret", OPT_STRING, OFF(app_secret), true, 0, 0, "HMAC key of X-Hub-Signature-256"},
    {"waba_id", OPT_STRING, OFF(waba_id), true, 0, 0, "entry[].id in webhooks"},
    {"display_phone_number", OPT_STRING, OFF(display_phone_number), true, 0, 0,
     "metadata.display_phone_number in webhooks"},
    {"webhook_delay_ms", OPT_INT, OFF(webhook_delay_ms), true, 0, 3600000,
     "delay between accept and sent, sent and delivered, delivered and read"},
    {"webhook_jitter_ms", OPT_INT, OFF(webhook_jitter_ms), true, 0, 3600000,
     "extra uniform random delay per webhook event"},
    {"delivered_share", OPT_SHARE, OFF(delivered_share), true, 0, 1,
     "share of sent messages that get delivered"},
    {"read_share", OPT_SHARE, OFF(read_share), true, 0, 1, "share of delivered ones that get read"},
    {"fail_share", OPT_SHARE, OFF(fail_share), true, 0, 1,
     "share of accepted sends that end in a failed status"},
    {"fail_codes", OPT_FAIL_CODES, OFF(fail_codes), true, 0, 0,
     "codes used for failed statuses: 131026,131049,..."},
    {"reply_share", OPT_SHARE, OFF(reply_share), true, 0, 1,
     "share of delivered messages answered by an inbound reply"},
    {"stop_share", OPT_SHARE, OFF(stop_share), true, 0, 1,
     "share of those replies that opt out: the quick reply \"Stop promotions\" or \"STOP\""},
    {"duplicate_share", OPT_SHARE, OFF(duplicate_share), true, 0, 1,
     "share of webhook events delivered twice"},
    {"reorder_share", OPT_SHARE, OFF(reorder_share), true, 0, 1,
     "share of messages whose status events arrive out of order"},
    {"batch_share", OPT_SHARE, OFF(batch_share), true, 0, 1,
     "share of status POSTs that carry several due statuses"},
    {"batch_max", OPT_INT, OFF(batch_max), true, 1, 1000, "most statuses in one POST"},
    {"webhook_timeout_ms", OPT_INT, OFF(webhook_timeout_ms), true, 1, 600000,
     "timeout of one webhook POST"},
    {"retry_initial_ms", OPT_INT, OFF(retry_initial_ms), true, 1, 86400000,
     "first retry delay of a webhook POST that did not get 200 (doubles)"},
    {"retry_max_ms", OPT_INT, OFF(retry_max_ms), true, 1, 86400000, "largest retry delay"},
    {"retry_max_attempts", OPT_INT, OFF(retry_max_attempts), true, 1, 1000,
     "attempts per webhook POST before giving up"},
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static char *dup_or_die(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        perror("strdup");
        abort();
    }
    return d;
}

static void set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

mock_config_t *mock_config_new_default(void)
{
    mock_config_t *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    atomic_init(&c->refs, 1);
    c->listen = dup_or_die("127.0.0.1:9180");
    c->threads = 2;
    c->max_records = 5000000;
    c->webhook_queue = 1000000;
    c->webhook_concurrency = 64;
    c->token = dup_or_die("herald-mock-token");
    c->throttle_http_status = 429;
    c->timeout_ms = 30000;
    c->webhook_url = dup_or_die("");
    c->paused_templates = dup_or_die("");
    c->app_secret = dup_or_die("herald-mock-app-secret");
    c->waba_id = dup_or_die("102290129340398");
    c->display_phone_number = dup_or_die("15550783881");
    c->webhook_delay_ms = 200;
    c->webhook_jitter_ms = 100;
    c->delivered_share = 0.95;
    c->read_share = 0.6;
    c->reply_share = 0.1;
    c->batch_share = 0.2;
    c->batch_max = 10;
    c->webhook_timeout_ms = 10000;
    c->retry_initial_ms = 1000;
    c->retry_max_ms = 60000;
    c->retry_max_attempts = 8;
    static const int64_t default_fail_codes[] = {131026, 131049, 131050};
    c->n_fail_codes = 3;
    c->fail_codes = malloc(sizeof default_fail_codes);
    if (!c->fail_codes)
        abort();
    memcpy(c->fail_codes, default_fail_codes, sizeof default_fail_codes);
    return c;
}

/* As registered: the body count, or "N:HEADER:BUTTONS" when the components are checked. */
static json_t *template_json(const mock_template_t *t)
{
    static const char *const headers[] = {"none", "text", "image", "video", "document"};
    if (!t->header)
        return json_integer(t->body_params);
    char out[160];
    int n = snprintf(out, sizeof out, "%lld:%s:", (long long)t->body_params,
                     headers[strchr("ntivd", t->header) - "ntivd"]);
    if (!t->buttons[0])
        snprintf(out + n, sizeof out - (size_t)n, "none");
    for (size_t i = 0; t->buttons[i]; i++) {
        const char *b = t->buttons[i] == 'u'   ? "url"
                        : t->buttons[i] == 'c' ? "copy_code"
                        : t->buttons[i] == 'q' ? "quick_reply"
                                               : "-";
        n += snprintf(out + n, sizeof out - (size_t)n, "%s%s", i ? "," : "", b);
    }
    return json_string(out);
}

static void free_templates(mock_template_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].name);
    free(t);
}

static void free_permanent(mock_permanent_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i].to);
    free(p);
}

mock_config_t *mock_config_clone(const mock_config_t *src)
{
    mock_config_t *c = malloc(sizeof *c);
    if (!c)
        abort();
    memcpy(c, src, sizeof *c);
    atomic_init(&c->refs, 1);
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].type == OPT_STRING) {
            char **field = (char **)((char *)c + options[i].offset);
            *field = dup_or_die(*field);
        }
    c->templates = calloc(src->n_templates + 1, sizeof *c->templates);
    c->permanent = calloc(src->n_permanent + 1, sizeof *c->permanent);
    c->fail_codes = calloc(src->n_fail_codes + 1, sizeof *c->fail_codes);
    if (!c->templates || !c->permanent || !c->fail_codes)
        abort();
    for (size_t i = 0; i < src->n_templates; i++) {
        c->templates[i].name = dup_or_die(src->templates[i].name);
        c->templates[i].body_params = src->templates[i].body_params;
        c->templates[i].header = src->templates[i].header;
        memcpy(c->templates[i].buttons, src->templates[i].buttons, sizeof c->templates[i].buttons);
    }
    for (size_t i = 0; i < src->n_permanent; i++) {
        c->permanent[i].to = dup_or_die(src->permanent[i].to);
        c->permanent[i].code = src->permanent[i].code;
    }
    memcpy(c->fail_codes, src->fail_codes, src->n_fail_codes * sizeof *c->fail_codes);
    return c;
}

void mock_config_ref(mock_config_t *cfg)
{
    atomic_fetch_add(&cfg->refs, 1);
}

void mock_config_unref(mock_config_t *cfg)
{
    if (!cfg || atomic_fetch_sub(&cfg->refs, 1) != 1)
        return;
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].type == OPT_STRING)
            free(*(char **)((char *)cfg + options[i].offset));
    free_templates(cfg->templates, cfg->n_templates);
    free_permanent(cfg->permanent, cfg->n_permanent);
    free(cfg->fail_codes);
    free(cfg);
}

static const option_t *find_option(const char *key)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(options[i].key, key) == 0)
            return &options[i];
    return NULL;
}

static int parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int add_template(mock_config_t *c, const char *name, int64_t params, char header,
                        const char *buttons)
{
    mock_template_t *t = NULL;
    for (size_t i = 0; i < c->n_templates && !t; i++)
        if (strcmp(c->templates[i].name, name) == 0)
            t = &c->templates[i];
    if (!t) {
        t = realloc(c->templates, (c->n_templates + 1) * sizeof *t);
        if (!t)
            abort();
        c->templates = t;
        t = &c->templates[c->n_templates++];
        t->name = dup_or_die(name);
    }
    t->body_params = params;
    t->header = header;
    snprintf(t->buttons, sizeof t->buttons, "%s", buttons);
    return 0;
}

/* "none|text|image|video|document" -> 'n','t','i','v','d'; 0 when unknown. */
static char header_code(const char *s, size_t n)
{
    static const char *const names[] = {"none", "text", "image", "video", "document"};
    for (size_t i = 0; i < 5; i++)
        if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
            return "ntivd"[i];
    return 0;
}

/* "none" or "url,-,quick_reply" -> "" or "u-q"; -1 when malformed. */
static int button_codes(const char *s, char out[11])
{
    size_t n = 0;
    out[0] = '\0';
    if (strcmp(s, "none") == 0)
        return 0;
    for (const char *p = s; *p; n++) {
        size_t len = strcspn(p, ",");
        char code = len == 1 && *p == '-'                             ? '-'
                    : len == 3 && strncmp(p, "url", 3) == 0           ? 'u'
                    : len == 9 && strncmp(p, "copy_code", 9) == 0     ? 'c'
                    : len == 11 && strncmp(p, "quick_reply", 11) == 0 ? 'q'
                                                                      : 0;
        if (!code || n == 10)
            return -1;
        out[n] = code;
        out[n + 1] = '\0';
        p += len + (p[len] == ',');
    }
    return 0;
}

/* "N" or "N:HEADER:BUTTONS" (after the name) into a template. */
static int template_rest(mock_config_t *c, const char *name, const char *rest)
{
    char digits[16], header = 0, buttons[11] = "";
    size_t n = strcspn(rest, ":");
    int64_t params;
    if (n == 0 || n >= sizeof digits)
        return -1;
    memcpy(digits, rest, n);
    digits[n] = '\0';
    if (parse_int(digits, &params) || params < 0 || params > 100)
        return -1;
    if (rest[n] == ':') {
        const char *h = rest + n + 1;
        size_t hn = strcspn(h, ":");
        header = header_code(h, hn);
        if (!header || h[hn] != ':' || button_codes(h + hn + 1, buttons) != 0)
            return -1;
    }
    return add_template(c, name, params, header, buttons);
}

static void add_permanent(mock_config_t *c, const char *to, int64_t code)
{
    for (size_t i = 0; i < c->n_permanent; i++)
        if (strcmp(c->permanent[i].to, to) == 0) {
            c->permanent[i].code = code;
            return;
        }
    mock_permanent_t *p = realloc(c->permanent, (c->n_permanent + 1) * sizeof *p);
    if (!p)
        abort();
    c->permanent = p;
    p[c->n_permanent].to = dup_or_die(to);
    p[c->n_permanent].code = code;
    c->n_permanent++;
}

/* "name:count" */
static int parse_template_spec(mock_config_t *c, const char *spec, char *err, size_t len)
{
    const char *colon = strchr(spec, ':');
    char name[256];
    if (colon && colon != spec && (size_t)(colon - spec) < sizeof name) {
        snprintf(name, sizeof name, "%.*s", (int)(colon - spec), spec);
        if (template_rest(c, name, colon + 1) == 0)
            return 0;
    }
    set_err(err, len,
            "template must be name:body_params (0..100)[:HEADER:BUTTONS] (HEADER none, text, "
            "image, video or document; BUTTONS none or url,copy_code,quick_reply,- in order), "
            "got '%s'",
            spec);
    return -1;
}

/* "to=code,to=code" */
static int parse_permanent_spec(mock_config_t *c, const char *spec, char *err, size_t len)
{
    char *copy = dup_or_die(spec), *save = NULL;
    int rc = 0;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        int64_t code;
        if (!eq || eq == item || parse_int(eq + 1, &code) || code <= 0) {
            set_err(err, len, "permanent must be number=code[,...], got '%s'", item);
            rc = -1;
            break;
        }
        *eq = '\0';
        add_permanent(c, item[0] == '+' ? item + 1 : item, code);
    }
    free(copy);
    return rc;
}

static int parse_fail_codes_spec(mock_config_t *c, const char *spec, char *err, size_t len)
{
    char *copy = dup_or_die(spec), *save = NULL;
    size_t n = 0;
    int64_t codes[64];
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (n == 64 || parse_int(item, &codes[n]) || codes[n] <= 0) {
            set_err(err, len, "fail_codes must be up to 64 positive codes, got '%s'", item);
            free(copy);
            return -1;
        }
        n++;
    }
    free(copy);
    if (n == 0) {
        set_err(err, len, "fail_codes must not be empty");
        return -1;
    }
    free(c->fail_codes);
    c->fail_codes = malloc(n * sizeof *codes);
    if (!c->fail_codes)
        abort();
    memcpy(c->fail_codes, codes, n * sizeof *codes);
    c->n_fail_codes = n;
    return 0;
}

static int check_range(const option_t *o, double v, char *err, size_t len)
{
    if (v < o->min || v > o->max) {
        set_err(err, len, "%s must be within [%g, %g]", o->key, o->min, o->max);
        return -1;
    }
    return 0;
}

/* Applies one option from its textual form (flags and string JSON values). */
static int apply_text(mock_config_t *c, const option_t *o, const char *value, char *err, size_t len)
{
    void *field = (char *)c + o->offset;
    int64_t i;
    double d;
    switch (o->type) {
    case OPT_STRING:
        free(*(char **)field);
        *(char **)field = dup_or_die(value);
        return 0;
    case OPT_INT:
        if (parse_int(value, &i)) {
            set_err(err, len, "%s needs an integer, got '%s'", o->key, value);
            return -1;
        }
        if (check_range(o, (double)i, err, len))
            return -1;
        *(int64_t *)field = i;
        return 0;
    case OPT_DOUBLE:
    case OPT_SHARE:
        if (parse_double(value, &d)) {
            set_err(err, len, "%s needs a number, got '%s'", o->key, value);
            return -1;
        }
        if (check_range(o, d, err, len))
            return -1;
        *(double *)field = d;
        return 0;
    case OPT_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
            *(bool *)field = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
            *(bool *)field = false;
        else {
            set_err(err, len, "%s needs true or false, got '%s'", o->key, value);
            return -1;
        }
        return 0;
    case OPT_TEMPLATES:
        return parse_template_spec(c, value, err, len);
    case OPT_PERMANENT:
        return parse_permanent_spec(c, value, err, len);
    case OPT_FAIL_CODES:
        return parse_fail_codes_spec(c, value, err, len);
    }
    return -1;
}

int mock_config_parse_args(mock_config_t *cfg, int argc, char **argv, bool *want_help, char *err,
                           size_t err_len)
{
    *want_help = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *want_help = true;
            return 0;
        }
        if (strncmp(arg, "--", 2) != 0) {
            set_err(err, err_len, "unexpected argument '%s'", arg);
            return -1;
        }
        char key[128];
        const char *eq = strchr(arg, '=');
        size_t klen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (klen >= sizeof key) {
            set_err(err, err_len, "unknown flag '%s'", arg);
            return -1;
        }
        memcpy(key, arg + 2, klen);
        key[klen] = '\0';
        for (char *p = key; *p; p++)
            if (*p == '-')
                *p = '_';
        const option_t *o = find_option(strcmp(key, "template") == 0 ? "templates" : key);
        if (!o) {
            set_err(err, err_len, "unknown flag '%s' (see --help)", arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && o->type == OPT_BOOL)
            value = "true";
        if (!value) {
            if (i + 1 >= argc) {
                set_err(err, err_len, "flag '%s' needs a value", arg);
                return -1;
            }
            value = argv[++i];
        }
        if (apply_text(cfg, o, value, err, err_len))
            return -1;
    }
    const char *env_token = getenv("MOCK_TOKEN");
    const char *env_secret = getenv("MOCK_APP_SECRET");
    if (env_token)
        apply_text(cfg, find_option("token"), env_token, err, err_len);
    if (env_secret)
        apply_text(cfg, find_option("app_secret"), env_secret, err, err_len);
    return 0;
}

static int apply_json_special(mock_config_t *c, const option_t *o, const json_t *v, char *err,
                              size_t len)
{
    const char *k;
    json_t *item;
    if (json_is_string(v))
        return apply_text(c, o, json_string_value(v), err, len);
    if (o->type == OPT_FAIL_CODES && json_is_array(v)) {
        size_t idx;
        char buf[1024] = "";
        json_array_foreach(v, idx, item)
        {
            if (!json_is_integer(item)) {
                set_err(err, len, "fail_codes must be integers");
                return -1;
            }
            size_t used = strlen(buf);
            snprintf(buf + used, sizeof buf - used, "%s%lld", idx ? "," : "",
                     (long long)json_integer_value(item));
        }
        return parse_fail_codes_spec(c, buf, err, len);
    }
    if (!json_is_object(v)) {
        set_err(err, len, "%s must be an object", o->key);
        return -1;
    }
    /* An object replaces the whole map, so tests can also clear it with {}. */
    if (o->type == OPT_TEMPLATES) {
        free_templates(c->templates, c->n_templates);
        c->templates = NULL;
        c->n_templates = 0;
    } else {
        free_permanent(c->permanent, c->n_permanent);
        c->permanent = NULL;
        c->n_permanent = 0;
    }
    json_object_foreach((json_t *)v, k, item)
    {
        if (o->type == OPT_TEMPLATES && json_is_string(item)) { /* "N:HEADER:BUTTONS" */
            if (template_rest(c, k, json_string_value(item)) != 0) {
                set_err(err, len, "%s.%s must be N or \"N:HEADER:BUTTONS\"", o->key, k);
                return -1;
            }
            continue;
        }
        if (!json_is_integer(item) || json_integer_value(item) < 0) {
            set_err(err, len, "%s.%s must be a non-negative integer", o->key, k);
            return -1;
        }
        if (o->type == OPT_TEMPLATES)
            add_template(c, k, json_integer_value(item), 0, "");
        else
            add_permanent(c, k[0] == '+' ? k + 1 : k, json_integer_value(item));
    }
    return 0;
}

static int apply_json_value(mock_config_t *c, const option_t *o, const json_t *v, char *err,
                            size_t len)
{
    void *field = (char *)c + o->offset;
    switch (o->type) {
    case OPT_STRING:
        if (!json_is_string(v))
            break;
        return apply_text(c, o, json_string_value(v), err, len);
    case OPT_INT:
        if (!json_is_integer(v))
            break;
        if (check_range(o, (double)json_integer_value(v), err, len))
            return -1;
        *(int64_t *)field = json_integer_value(v);
        return 0;
    case OPT_DOUBLE:
    case OPT_SHARE:
        if (!json_is_number(v))
            break;
        if (check_range(o, json_number_value(v), err, len))
            return -1;
        *(double *)field = json_number_value(v);
        return 0;
    case OPT_BOOL:
        if (!json_is_boolean(v))
            break;
        *(bool *)field = json_is_true(v);
        return 0;
    default:
        return apply_json_special(c, o, v, err, len);
    }
    set_err(err, len, "%s has the wrong JSON type", o->key);
    return -1;
}

int mock_config_apply_json(mock_config_t *cfg, const json_t *obj, char *err, size_t err_len)
{
    const char *key;
    json_t *value;
    if (!json_is_object(obj)) {
        set_err(err, err_len, "config must be a JSON object");
        return -1;
    }
    json_object_foreach((json_t *)obj, key, value)
    {
        const option_t *o = find_option(strcmp(key, "template") == 0 ? "templates" : key);
        if (!o) {
            set_err(err, err_len, "unknown config key '%s'", key);
            return -1;
        }
        if (!o->runtime) {
            set_err(err, err_len, "'%s' can only be set at startup", key);
            return -1;
        }
        if (apply_json_value(cfg, o, value, err, err_len))
            return -1;
    }
    return 0;
}

json_t *mock_config_to_json(const mock_config_t *c)
{
    json_t *o = json_object();
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option_t *opt = &options[i];
        const void *field = (const char *)c + opt->offset;
        json_t *v = NULL;
        switch (opt->type) {
        case OPT_STRING: {
            const char *s = *(char *const *)field;
            bool secret = strcmp(opt->key, "app_secret") == 0 || strcmp(opt->key, "token") == 0;
            v = json_string(secret && *s ? "***" : s);
            break;
        }
        case OPT_INT:
            v = json_integer(*(const int64_t *)field);
            break;
        case OPT_DOUBLE:
        case OPT_SHARE:
            v = json_real(*(const double *)field);
            break;
        case OPT_BOOL:
            v = json_boolean(*(const bool *)field);
            break;
        case OPT_TEMPLATES:
            v = json_object();
            for (size_t t = 0; t < c->n_templates; t++)
                json_object_set_new(v, c->templates[t].name, template_json(&c->templates[t]));
            break;
        case OPT_PERMANENT:
            v = json_object();
            for (size_t p = 0; p < c->n_permanent; p++)
                json_object_set_new(v, c->permanent[p].to, json_integer(c->permanent[p].code));
            break;
        case OPT_FAIL_CODES:
            v = json_array();
            for (size_t f = 0; f < c->n_fail_codes; f++)
                json_array_append_new(v, json_integer(c->fail_codes[f]));
            break;
        }
        json_object_set_new(o, opt->key, v);
    }
    return o;
}

void mock_config_print_usage(const char *argv0)
{
    printf("usage: %s [--flag value | --flag=value]...\n\n"
           "A stand-in for the WhatsApp Business Cloud API (see docs/mock-cloud-api.md).\n"
           "Env MOCK_TOKEN and MOCK_APP_SECRET override --token and --app-secret.\n\n",
           argv0);
    mock_config_t *d = mock_config_new_default();
    json_t *defaults = mock_config_to_json(d);
    /* The built-in token and secret are public test values, not secrets: show them. */
    json_object_set_new(defaults, "token", json_string(d->token));
    json_object_set_new(defaults, "app_secret", json_string(d->app_secret));
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char flag[128];
        snprintf(flag, sizeof flag, "--%s",
                 options[i].type == OPT_TEMPLATES ? "template" : options[i].key);
        for (char *p = flag + 2; *p; p++)
            if (*p == '_')
                *p = '-';
        char *def =
            json_dumps(json_object_get(defaults, options[i].key), JSON_ENCODE_ANY | JSON_COMPACT);
        printf("  %-26s %s%s [default %s]\n", flag, options[i].help,
               options[i].runtime ? "" : " (startup only)", def ? def : "?");
        free(def);
    }
    json_decref(defaults);
    mock_config_unref(d);
}

const mock_template_t *mock_config_template(const mock_config_t *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_templates; i++)
        if (strcmp(cfg->templates[i].name, name) == 0)
            return &cfg->templates[i];
    return NULL;
}

int64_t mock_config_template_params(const mock_config_t *cfg, const char *name)
{
    const mock_template_t *t = mock_config_template(cfg, name);
    return t ? t->body_params : -1;
}

int64_t mock_config_permanent_code(const mock_config_t *cfg, const char *to)
{
    for (size_t i = 0; i < cfg->n_permanent; i++)
        if (strcmp(cfg->permanent[i].to, to) == 0)
            return cfg->permanent[i].code;
    return 0;
}

struct mock_config_holder {
    pthread_mutex_t lock;
    mock_config_t *current;
};

mock_config_holder_t *mock_config_holder_new(mock_config_t *initial)
{
    mock_config_holder_t *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    pthread_mutex_init(&h->lock, NULL);
    h->current = initial;
    return h;
}

void mock_config_holder_free(mock_config_holder_t *h)
{
    if (!h)
        return;
    mock_config_unref(h->current);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

mock_config_t *mock_config_acquire(mock_config_holder_t *h)
{
    pthread_mutex_lock(&h->lock);
    mock_config_t *c = h->current;
    mock_config_ref(c);
    pthread_mutex_unlock(&h->lock);
    return c;
}

void mock_config_publish(mock_config_holder_t *h, mock_config_t *cfg)
{
    pthread_mutex_lock(&h->lock);
    mock_config_t *old = h->current;
    h->current = cfg;
    pthread_mutex_unlock(&h->lock);
    mock_config_unref(old);
}

int mock_config_template_paused(const mock_config_t *cfg, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = cfg->paused_templates; n && p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}
