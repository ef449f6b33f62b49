/*
 * segment_rules.c - compiles an audience definition into a parameterised SQL expression.
 *
 * Why it is built this way: the audience is untrusted operator input. The only text that
 * enters the SQL is chosen from the constant snippets below; list ids, attribute keys and
 * values all go to the parameter array. Limits on depth, rule count and text length keep a
 * hostile definition from producing a huge statement. Format and semantics: docs/segments.md.
 */
#include "segment_rules.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herald/text_buffer.h"

enum target { TARGET_ATTR, TARGET_NAME, TARGET_PHONE, TARGET_TAGS };

enum value_kind { VALUE_NONE, VALUE_SCALAR, VALUE_STRING, VALUE_ARRAY, VALUE_NUMBER, VALUE_DATE };

enum op {
    OP_EQ,
    OP_NE,
    OP_IN,
    OP_CONTAINS,
    OP_STARTS_WITH,
    OP_EXISTS,
    OP_NOT_EXISTS,
    OP_GT,
    OP_GTE,
    OP_LT,
    OP_LTE,
    OP_BEFORE,
    OP_AFTER,
    OP_HAS_TAG,
};

struct op_def {
    const char *name;
    enum op op;
    enum value_kind value;
    const char *sql_operator; /* for comparisons */
};

static const struct op_def OPS[] = {
    {"eq", OP_EQ, VALUE_SCALAR, "="},
    {"ne", OP_NE, VALUE_SCALAR, NULL},
    {"in", OP_IN, VALUE_ARRAY, NULL},
    {"contains", OP_CONTAINS, VALUE_STRING, NULL},
    {"starts_with", OP_STARTS_WITH, VALUE_STRING, NULL},
    {"exists", OP_EXISTS, VALUE_NONE, NULL},
    {"not_exists", OP_NOT_EXISTS, VALUE_NONE, NULL},
    {"gt", OP_GT, VALUE_NUMBER, ">"},
    {"gte", OP_GTE, VALUE_NUMBER, ">="},
    {"lt", OP_LT, VALUE_NUMBER, "<"},
    {"lte", OP_LTE, VALUE_NUMBER, "<="},
    {"before", OP_BEFORE, VALUE_DATE, "<"},
    {"after", OP_AFTER, VALUE_DATE, ">"},
    {"has_tag", OP_HAS_TAG, VALUE_STRING, NULL},
};

struct compiler {
    struct sql_params *params;
    struct text_buffer sql;
    int rules;
    char *err;
    size_t errlen;
};

static int fail(struct compiler *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct compiler *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->err && c->errlen)
        vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int param(struct compiler *c, const char *value)
{
    int n = sql_params_add(c->params, value);
    if (n < 0)
        fail(c, "audience too large (parameters)");
    return n;
}

/* A JSON string usable as a libpq text parameter: no embedded NUL, bounded. */
static const char *clean_string(const json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n || n > SEGMENT_MAX_TEXT)
        return NULL;
    return s;
}

/* The text form PostgreSQL's ->> gives for a JSON scalar, so eq/ne compare like for like. */
static int scalar_text(const json_t *v, char *buf, size_t n)
{
    const char *s = clean_string(v);
    if (s) {
        snprintf(buf, n, "%s", s);
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return 0;
    }
    if (json_is_real(v)) {
        snprintf(buf, n, "%.17g", json_real_value(v));
        return 0;
    }
    if (json_is_boolean(v)) {
        snprintf(buf, n, "%s", json_is_true(v) ? "true" : "false");
        return 0;
    }
    return -1;
}

/* Numbers as JSON numbers or numeric strings ("42", "-3.5", "1e3"). */
static int numeric_text(const json_t *v, char *buf, size_t n)
{
    if (json_is_number(v))
        return scalar_text(v, buf, n);
    const char *s = clean_string(v);
    if (!s || !*s || strlen(s) > 64)
        return -1;
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    int digits = 0, dot = 0;
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !dot)
            dot = 1;
        else
            return -1;
    }
    if (!digits)
        return -1;
    if (*p) { /* exponent: at most 3 digits so PostgreSQL's numeric cannot overflow */
        p++;
        if (*p == '-' || *p == '+')
            p++;
        int exp_digits = 0;
        for (; *p; p++, exp_digits++)
            if (*p < '0' || *p > '9')
                return -1;
        if (exp_digits < 1 || exp_digits > 3)
            return -1;
    }
    snprintf(buf, n, "%s", s);
    return 0;
}

static int is_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* ISO 8601 date or date-time: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH[:MM]]. PostgreSQL
 * parses the accepted text; this check only keeps obvious garbage out of the cast. */
static int date_text(const json_t *v, char *buf, size_t n)
{
    const char *s = clean_string(v);
    if (!s || strlen(s) < 10 || strlen(s) > 40)
        return -1;
    if (!is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) || s[7] != '-' ||
        !is_digits(s + 8, 2))
        return -1;
    int month = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return -1;
    for (const char *p = s + 10; *p; p++)
        if (!strchr("0123456789T :.Z+-", *p))
            return -1;
    snprintf(buf, n, "%s", s);
    return 0;
}

/* An `in` list: non-empty array of scalars, passed as one JSON text parameter. */
static int array_param(struct compiler *c, const json_t *v, const char *path)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > SEGMENT_MAX_LISTS)
        return fail(c, "%s: 'in' needs a non-empty array of at most %d values", path,
                    SEGMENT_MAX_LISTS);
    json_t *texts = json_array();
    size_t i;
    const json_t *item;
    char buf[SEGMENT_MAX_TEXT + 1];
    json_array_foreach(v, i, item)
    {
        if (scalar_text(item, buf, sizeof(buf)) != 0) {
            json_decref(texts);
            return fail(c, "%s: 'in' values must be strings, numbers or booleans", path);
        }
        json_array_append_new(texts, json_string(buf));
    }
    char *text = json_dumps(texts, JSON_COMPACT);
    json_decref(texts);
    int n = text ? param(c, text) : fail(c, "out of memory");
    free(text);
    return n;
}

static const struct op_def *find_op(const char *name)
{
    for (size_t i = 0; i < sizeof(OPS) / sizeof(OPS[0]); i++)
        if (strcmp(OPS[i].name, name) == 0)
            return &OPS[i];
    return NULL;
}

/* Which ops make sense on which target. */
static int op_allowed(enum target t, enum op op)
{
    switch (t) {
    case TARGET_ATTR:
        return op != OP_HAS_TAG;
    case TARGET_NAME:
        return op <= OP_NOT_EXISTS;
    case TARGET_PHONE:
        return op <= OP_STARTS_WITH;
    case TARGET_TAGS:
        return op == OP_HAS_TAG || op == OP_CONTAINS || op == OP_IN || op == OP_EXISTS ||
               op == OP_NOT_EXISTS;
    }
    return 0;
}

/* The value parameter of a leaf, validated for the op; returns its $n, 0 for none, -1. */
static int value_param(struct compiler *c, const struct op_def *def, const json_t *value,
                       const char *path)
{
    char buf[SEGMENT_MAX_TEXT + 1];
    if (def->value == VALUE_NONE)
        return 0;
    if (!value)
        return fail(c, "%s: op '%s' needs a 'value'", path, def->name);
    switch (def->value) {
    case VALUE_SCALAR:
        if (scalar_text(value, buf, sizeof(buf)) != 0)
            return fail(c, "%s: '%s' needs a string, number or boolean value (max %d bytes)", path,
                        def->name, SEGMENT_MAX_TEXT);
        return param(c, buf);
    case VALUE_STRING: {
        const char *s = clean_string(value);
        if (!s)
            return fail(c, "%s: '%s' needs a string value (max %d bytes)", path, def->name,
                        SEGMENT_MAX_TEXT);
        return param(c, s);
    }
    case VALUE_ARRAY:
        return array_param(c, value, path);
    case VALUE_NUMBER:
        if (numeric_text(value, buf, sizeof(buf)) != 0)
            return fail(c, "%s: '%s' needs a number", path, def->name);
        return param(c, buf);
    case VALUE_DATE:
        if (date_text(value, buf, sizeof(buf)) != 0)
            return fail(c, "%s: '%s' needs an ISO 8601 date (YYYY-MM-DD[THH:MM:SSZ])", path,
                        def->name);
        return param(c, buf);
    case VALUE_NONE:
        break;
    }
    return 0;
}

static void emit_attr(struct text_buffer *o, enum op op, const char *cmp, int k, int v)
{
    switch (op) {
    case OP_EQ:
        text_buffer_printf(o, "(c.attributes ->> $%d::text) = $%d::text", k, v);
        break;
    case OP_NE:
        text_buffer_printf(o, "(c.attributes ->> $%d::text) IS DISTINCT FROM $%d::text", k, v);
        break;
    case OP_IN:
        text_buffer_printf(
            o, "(c.attributes ->> $%d::text) IN (SELECT jsonb_array_elements_text($%d::jsonb))", k,
            v);
        break;
    case OP_CONTAINS:
        text_buffer_printf(
            o,
            "(CASE jsonb_typeof(c.attributes -> $%d::text) WHEN 'array' THEN "
            "(c.attributes -> $%d::text) @> jsonb_build_array($%d::text) WHEN 'string' "
            "THEN strpos(c.attributes ->> $%d::text, $%d::text) > 0 ELSE false END)",
            k, k, v, k, v);
        break;
    case OP_STARTS_WITH:
        text_buffer_printf(o, "coalesce(starts_with(c.attributes ->> $%d::text, $%d::text), false)",
                           k, v);
        break;
    case OP_EXISTS:
        text_buffer_printf(o, "(c.attributes ? $%d::text)", k);
        break;
    case OP_NOT_EXISTS:
        text_buffer_printf(o, "NOT (c.attributes ? $%d::text)", k);
        break;
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
        text_buffer_printf(o, "herald_try_numeric(c.attributes ->> $%d::text) %s $%d::numeric", k,
                           cmp, v);
        break;
    case OP_BEFORE:
    case OP_AFTER:
        text_buffer_printf(
            o, "herald_try_timestamptz(c.attributes ->> $%d::text) %s $%d::timestamptz", k, cmp, v);
        break;
    case OP_HAS_TAG:
        break;
    }
}

static void emit_text_field(struct text_buffer *o, const char *col, enum op op, int v)
{
    switch (op) {
    case OP_EQ:
        text_buffer_printf(o, "%s = $%d::text", col, v);
        break;
    case OP_NE:
        text_buffer_printf(o, "%s IS DISTINCT FROM $%d::text", col, v);
        break;
    case OP_IN:
        text_buffer_printf(o, "%s IN (SELECT jsonb_array_elements_text($%d::jsonb))", col, v);
        break;
    case OP_CONTAINS:
        text_buffer_printf(o, "coalesce(strpos(%s, $%d::text) > 0, false)", col, v);
        break;
    case OP_STARTS_WITH:
        text_buffer_printf(o, "coalesce(starts_with(%s, $%d::text), false)", col, v);
        break;
    case OP_EXISTS:
        text_buffer_printf(o, "coalesce(%s <> '', false)", col);
        break;
    case OP_NOT_EXISTS:
        text_buffer_printf(o, "coalesce(%s = '', true)", col);
        break;
    default:
        break;
    }
}

static void emit_tags(struct text_buffer *o, enum op op, int v)
{
    switch (op) {
    case OP_HAS_TAG:
    case OP_CONTAINS:
        text_buffer_printf(o, "c.tags @> ARRAY[$%d::text]", v);
        break;
    case OP_IN:
        text_buffer_printf(o, "c.tags && ARRAY(SELECT jsonb_array_elements_text($%d::jsonb))", v);
        break;
    case OP_EXISTS:
        text_buffer_puts(o, "cardinality(c.tags) > 0");
        break;
    case OP_NOT_EXISTS:
        text_buffer_puts(o, "cardinality(c.tags) = 0");
        break;
    default:
        break;
    }
}

static int leaf_target(struct compiler *c, const json_t *node, const struct op_def *def,
                       const char *path, enum target *t, int *key_param)
{
    const json_t *attr = json_object_get(node, "attr");
    const json_t *field = json_object_get(node, "field");
    *key_param = 0;
    if (attr && field)
        return fail(c, "%s: use either 'attr' or 'field', not both", path);
    if (attr) {
        const char *key = clean_string(attr);
        if (!key || !*key)
            return fail(c, "%s: 'attr' must be a non-empty string (max %d bytes)", path,
                        SEGMENT_MAX_TEXT);
        *t = TARGET_ATTR;
        *key_param = param(c, key);
        return *key_param < 0 ? -1 : 0;
    }
    if (field) {
        const char *f = json_string_value(field);
        if (f && strcmp(f, "name") == 0)
            *t = TARGET_NAME;
        else if (f && strcmp(f, "phone") == 0)
            *t = TARGET_PHONE;
        else if (f && strcmp(f, "tags") == 0)
            *t = TARGET_TAGS;
        else
            return fail(c, "%s: 'field' must be one of name, phone, tags", path);
        return 0;
    }
    if (def->op == OP_HAS_TAG) {
        *t = TARGET_TAGS;
        return 0;
    }
    return fail(c, "%s: rule needs 'attr' (an attribute key) or 'field' (name, phone, tags)", path);
}

static int compile_leaf(struct compiler *c, const json_t *node, const char *path)
{
    const char *key;
    const json_t *ignored;
    json_object_foreach((json_t *)node, key, ignored)
    {
        if (strcmp(key, "attr") && strcmp(key, "field") && strcmp(key, "op") &&
            strcmp(key, "value"))
            return fail(c,
                        "%s: unknown key '%.64s' (expected attr/field, op, value, or "
                        "all/any/not)",
                        path, key);
    }
    if (++c->rules > SEGMENT_MAX_RULES)
        return fail(c, "audience has more than %d rules", SEGMENT_MAX_RULES);
    const char *opname = json_string_value(json_object_get(node, "op"));
    if (!opname)
        return fail(c, "%s: rule needs an 'op' string", path);
    const struct op_def *def = find_op(opname);
    if (!def)
        return fail(c, "%s: unknown op '%.64s'", path, opname);
    enum target t = TARGET_ATTR;
    int k = 0;
    if (leaf_target(c, node, def, path, &t, &k) != 0)
        return -1;
    if (!op_allowed(t, def->op))
        return fail(c, "%s: op '%s' does not apply to this %s", path, def->name,
                    t == TARGET_ATTR ? "attribute" : "field");
    int v = value_param(c, def, json_object_get(node, "value"), path);
    if (v < 0)
        return -1;
    text_buffer_puts(&c->sql, "(");
    if (t == TARGET_ATTR)
        emit_attr(&c->sql, def->op, def->sql_operator, k, v);
    else if (t == TARGET_TAGS)
        emit_tags(&c->sql, def->op, v);
    else
        emit_text_field(&c->sql, t == TARGET_NAME ? "c.name" : "c.phone", def->op, v);
    text_buffer_puts(&c->sql, ")");
    return 0;
}

static int compile_node(struct compiler *c, const json_t *node, int depth, const char *path);

static int compile_group(struct compiler *c, const json_t *items, int is_all, int depth,
                         const char *path)
{
    const char *name = is_all ? "all" : "any";
    if (!json_is_array(items))
        return fail(c, "%s.%s: expected an array of rules", path, name);
    if (json_array_size(items) == 0) {
        text_buffer_puts(&c->sql, is_all ? "TRUE" : "FALSE");
        return 0;
    }
    text_buffer_puts(&c->sql, "(");
    size_t i;
    const json_t *item;
    json_array_foreach(items, i, item)
    {
        char child[256];
        snprintf(child, sizeof(child), "%s.%s[%zu]", path, name, i);
        if (i > 0)
            text_buffer_puts(&c->sql, is_all ? " AND " : " OR ");
        if (compile_node(c, item, depth + 1, child) != 0)
            return -1;
    }
    text_buffer_puts(&c->sql, ")");
    return 0;
}

static int compile_node(struct compiler *c, const json_t *node, int depth, const char *path)
{
    if (!json_is_object(node))
        return fail(c, "%s: expected an object", path);
    if (depth > SEGMENT_MAX_DEPTH)
        return fail(c, "%s: rules nested deeper than %d", path, SEGMENT_MAX_DEPTH);
    const json_t *all = json_object_get(node, "all");
    const json_t *any = json_object_get(node, "any");
    const json_t *not = json_object_get(node, "not");
    int groups = !!all + !!any + !!not ;
    if (groups == 0)
        return compile_leaf(c, node, path);
    if (groups > 1 || json_object_size(node) != 1)
        return fail(c, "%s: a group has exactly one key: all, any or not", path);
    if (not ) {
        char child[256];
        snprintf(child, sizeof(child), "%s.not", path);
        text_buffer_puts(&c->sql, "NOT (");
        if (compile_node(c, not, depth + 1, child) != 0)
            return -1;
        text_buffer_puts(&c->sql, ")");
        return 0;
    }
    return compile_group(c, all ? all : any, all != NULL, depth, path);
}

/* include_lists / exclude_lists: array of positive integer ids, one bigint[] parameter. */
static int list_param(struct compiler *c, const json_t *ids, const char *name)
{
    if (!json_is_array(ids) || json_array_size(ids) > SEGMENT_MAX_LISTS)
        return fail(c, "%s: expected an array of at most %d list ids", name, SEGMENT_MAX_LISTS);
    if (json_array_size(ids) == 0)
        return 0;
    struct text_buffer lit;
    text_buffer_init(&lit);
    text_buffer_puts(&lit, "{");
    size_t i;
    const json_t *id;
    json_array_foreach(ids, i, id)
    {
        if (!json_is_integer(id) || json_integer_value(id) <= 0) {
            text_buffer_free(&lit);
            return fail(c, "%s[%zu]: list ids are positive integers", name, i);
        }
        text_buffer_printf(&lit, "%s%" JSON_INTEGER_FORMAT, i ? "," : "", json_integer_value(id));
    }
    text_buffer_puts(&lit, "}");
    char *text = text_buffer_take(&lit);
    int n = text ? param(c, text) : fail(c, "out of memory");
    free(text);
    return n;
}

static int check_audience_keys(struct compiler *c, const json_t *audience)
{
    const char *key;
    const json_t *ignored;
    json_object_foreach((json_t *)audience, key, ignored)
    {
        if (strcmp(key, "include_lists") && strcmp(key, "exclude_lists") && strcmp(key, "rules") &&
            strcmp(key, "not_messaged_within_hours") && strcmp(key, "from_campaign"))
            return fail(c,
                        "audience: unknown key '%.64s' (expected include_lists, "
                        "exclude_lists, rules, not_messaged_within_hours, from_campaign)",
                        key);
    }
    return 0;
}

/* not_messaged_within_hours: a frequency cap. Leaves out whoever had a campaign message
 * accepted by the API within the last N hours, and whoever is still to get one from a campaign
 * under way (running or paused: two campaigns started the same hour must not both reach the
 * same person). Any campaign; the phone index of campaign_recipients answers it. */
static int compile_frequency_cap(struct compiler *c, const json_t *hours)
{
    if (!json_is_integer(hours) || json_integer_value(hours) < 1 ||
        json_integer_value(hours) > SEGMENT_FREQUENCY_CAP_MAX_HOURS)
        return fail(c, "not_messaged_within_hours: expected a whole number of hours, 1 to %d",
                    SEGMENT_FREQUENCY_CAP_MAX_HOURS);
    char text[24];
    snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(hours));
    int n = param(c, text);
    if (n < 0)
        return -1;
    text_buffer_printf(&c->sql,
                       " AND NOT EXISTS (SELECT 1 FROM campaign_recipients fc WHERE fc.phone = "
                       "c.phone AND (fc.accepted_at > now() - make_interval(hours => $%d::int) "
                       "OR (fc.state IN ('pending', 'queued', 'sending', 'uncertain') AND "
                       "EXISTS (SELECT 1 FROM campaigns fk WHERE fk.id = fc.campaign_id AND "
                       "fk.status IN ('running', 'paused')))))",
                       n);
    return 0;
}

/* The words of campaign_recipient_outcomes.outcome (migration 058, whose
 * campaign_recipient_outcome_names() lists the same; an integration test compares them). */
static const char *const recipient_outcomes[] = {
    "pending", "queued", "sending", "uncertain", "accepted", "sent", "delivered", "read", "failed"};
#define OUTCOME_WORDS "pending, queued, sending, uncertain, accepted, sent, delivered, read, failed"

static int known_outcome(const char *word)
{
    for (size_t i = 0; i < sizeof(recipient_outcomes) / sizeof(recipient_outcomes[0]); i++)
        if (!strcmp(word, recipient_outcomes[i]))
            return 1;
    return 0;
}

/* from_campaign.outcomes as one comma-separated parameter ("" = any outcome). */
static int outcomes_param(struct compiler *c, const json_t *outcomes)
{
    if (!outcomes || json_is_null(outcomes))
        return param(c, "");
    if (!json_is_array(outcomes) || json_array_size(outcomes) == 0)
        return fail(c, "from_campaign.outcomes: expected a non-empty array of outcomes (%s)",
                    OUTCOME_WORDS);
    char text[128] = "";
    size_t i;
    const json_t *w;
    json_array_foreach(outcomes, i, w)
    {
        const char *word = json_string_value(w);
        if (!word || !known_outcome(word))
            return fail(c, "from_campaign.outcomes[%zu]: unknown outcome (one of: %s)", i,
                        OUTCOME_WORDS);
        if (strlen(text) + strlen(word) + 2 > sizeof(text))
            return fail(c, "from_campaign.outcomes: too many outcomes");
        if (i)
            strcat(text, ",");
        strcat(text, word);
    }
    return param(c, text);
}

/* from_campaign: retargeting. Only contacts who were recipients of that campaign, optionally
 * with one of the given outcomes and with or without a reply ("delivered but not read", "read
 * but no answer"); through campaign_recipient_outcomes_of (migration 058), whose phone probe is
 * the campaign's UNIQUE (campaign_id, phone) index. */
static int compile_from_campaign(struct compiler *c, const json_t *from)
{
    static const char shape[] = "expected {\"campaign_id\": N, \"outcomes\": [...], "
                                "\"replied\": true|false} (outcomes and replied optional)";
    if (!json_is_object(from))
        return fail(c, "from_campaign: %s", shape);
    const char *key;
    const json_t *ignored;
    json_object_foreach((json_t *)from, key, ignored)
    {
        if (strcmp(key, "campaign_id") && strcmp(key, "outcomes") && strcmp(key, "replied"))
            return fail(c, "from_campaign: unknown key '%.64s' (%s)", key, shape);
    }
    const json_t *id = json_object_get(from, "campaign_id");
    const json_t *replied = json_object_get(from, "replied");
    if (!json_is_integer(id) || json_integer_value(id) <= 0)
        return fail(c, "from_campaign.campaign_id: expected a campaign id (a positive integer)");
    if (replied && !json_is_boolean(replied) && !json_is_null(replied))
        return fail(c, "from_campaign.replied: expected true or false");
    char idtext[24];
    snprintf(idtext, sizeof(idtext), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    int n_id = param(c, idtext);
    int n_out = n_id < 0 ? -1 : outcomes_param(c, json_object_get(from, "outcomes"));
    if (n_out < 0)
        return -1;
    text_buffer_printf(&c->sql,
                       " AND EXISTS (SELECT 1 FROM campaign_recipient_outcomes_of($%d::bigint, "
                       "$%d::text) fc WHERE fc.phone = c.phone%s)",
                       n_id, n_out,
                       json_is_true(replied)    ? " AND fc.replies > 0"
                       : json_is_false(replied) ? " AND fc.replies = 0"
                                                : "");
    return 0;
}

static int compile_audience(struct compiler *c, const json_t *audience)
{
    text_buffer_puts(&c->sql, "(NOT c.opted_out");
    if (!audience || json_is_null(audience)) {
        text_buffer_puts(&c->sql, ")");
        return 0;
    }
    if (!json_is_object(audience))
        return fail(c, "audience: expected an object");
    if (check_audience_keys(c, audience) != 0)
        return -1;
    const json_t *inc = json_object_get(audience, "include_lists");
    const json_t *exc = json_object_get(audience, "exclude_lists");
    const json_t *rules = json_object_get(audience, "rules");
    int n = inc ? list_param(c, inc, "include_lists") : 0;
    if (n < 0)
        return -1;
    if (n > 0)
        text_buffer_printf(
            &c->sql,
            " AND EXISTS (SELECT 1 FROM contact_list_members m WHERE m.contact_id = c.id"
            " AND m.list_id = ANY($%d::bigint[]))",
            n);
    n = exc ? list_param(c, exc, "exclude_lists") : 0;
    if (n < 0)
        return -1;
    if (n > 0)
        text_buffer_printf(
            &c->sql,
            " AND NOT EXISTS (SELECT 1 FROM contact_list_members x WHERE x.contact_id = "
            "c.id AND x.list_id = ANY($%d::bigint[]))",
            n);
    const json_t *cap = json_object_get(audience, "not_messaged_within_hours");
    if (cap && !json_is_null(cap) && compile_frequency_cap(c, cap) != 0)
        return -1;
    const json_t *from = json_object_get(audience, "from_campaign");
    if (from && !json_is_null(from) && compile_from_campaign(c, from) != 0)
        return -1;
    if (rules && !json_is_null(rules)) {
        text_buffer_puts(&c->sql, " AND ");
        if (compile_node(c, rules, 1, "rules") != 0)
            return -1;
    }
    text_buffer_puts(&c->sql, ")");
    return 0;
}

int segment_compile(const json_t *audience, struct sql_params *params, char **where_sql, char *err,
                    size_t errlen)
{
    struct compiler c = {.params = params, .err = err, .errlen = errlen};
    text_buffer_init(&c.sql);
    *where_sql = NULL;
    if (compile_audience(&c, audience) != 0) {
        text_buffer_free(&c.sql);
        return -1;
    }
    *where_sql = text_buffer_take(&c.sql);
    if (!*where_sql)
        return fail(&c, "out of memory");
    return 0;
}

int segment_validate(const json_t *audience, char *err, size_t errlen)
{
    struct sql_params p;
    sql_params_init(&p, 1);
    char *sql = NULL;
    int rc = segment_compile(audience, &p, &sql, err, errlen);
    free(sql);
    sql_params_free(&p);
    return rc;
}
