/*
 * api_route.c - path and method -> operation (see the header for why).
 */
#include "api_route.h"

#include <string.h>

static const char *const campaign_commands[] = {"schedule", "start",  "pause",
                                                "resume",   "cancel", "duplicate"};

int api_route_is_api(const char *path)
{
    return !strncmp(path, "/api", 4) && (path[4] == '\0' || path[4] == '/');
}

/* Consumes one path segment: returns its length and advances *p past it and one '/'. */
static size_t next_segment(const char **p, const char **seg)
{
    const char *s = *p;
    const char *end = strchr(s, '/');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    *seg = s;
    *p = end ? end + 1 : s + n;
    return n;
}

static int seg_is(const char *seg, size_t n, const char *word)
{
    return strlen(word) == n && !strncmp(seg, word, n);
}

static int64_t parse_id(const char *s, size_t n)
{
    int64_t v = 0;
    if (n == 0 || n > 18 || s[0] == '0')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Command ids are chosen by producers: letters, digits, '-', '_', '.', ':' only. */
static int valid_command_id(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return 0;
    }
    return 1;
}

/* A phone as typed: digits, '+', spaces and the usual separators; normalised by the handler. */
static int valid_phone_text(const char *s, size_t n)
{
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789+ -.()", s[i]))
            return 0;
    return 1;
}

static enum api_route_result pick(const char *method, const char *allow, const char *m1,
                                  enum api_op op1, const char *m2, enum api_op op2,
                                  struct api_route *out)
{
    out->allow = allow;
    if (m1 && !strcmp(method, m1)) {
        out->op = op1;
        return API_ROUTE_OK;
    }
    if (m2 && !strcmp(method, m2)) {
        out->op = op2;
        return API_ROUTE_OK;
    }
    return API_ROUTE_METHOD_NOT_ALLOWED;
}

static enum api_route_result parse_campaign(const char *method, const char *rest,
                                            struct api_route *out)
{
    const char *seg;
    size_t n = next_segment(&rest, &seg);
    out->campaign_id = parse_id(seg, n);
    if (out->campaign_id < 0)
        return API_ROUTE_NOT_FOUND;
    if (!*rest && seg[n] == '\0')
        return pick(method, "GET, PATCH", "GET", API_OP_CAMPAIGN_GET, "PATCH",
                    API_OP_CAMPAIGN_UPDATE, out);
    n = next_segment(&rest, &seg);
    if (seg_is(seg, n, "progress")) {
        if (!*rest && seg[n] == '\0')
            return pick(method, "GET", "GET", API_OP_CAMPAIGN_PROGRESS, NULL, 0, out);
        n = next_segment(&rest, &seg);
        if (seg_is(seg, n, "stream") && !*rest && seg[n] == '\0')
            return pick(method, "GET", "GET", API_OP_CAMPAIGN_STREAM, NULL, 0, out);
        return API_ROUTE_NOT_FOUND;
    }
    if (*rest || seg[n] != '\0')
        return API_ROUTE_NOT_FOUND;
    if (seg_is(seg, n, "recipients"))
        return pick(method, "GET", "GET", API_OP_CAMPAIGN_RECIPIENTS, NULL, 0, out);
    if (seg_is(seg, n, "replies"))
        return pick(method, "GET", "GET", API_OP_CAMPAIGN_REPLIES, NULL, 0, out);
    for (size_t i = 0; i < sizeof(campaign_commands) / sizeof(campaign_commands[0]); i++) {
        if (seg_is(seg, n, campaign_commands[i])) {
            out->command = campaign_commands[i];
            return pick(method, "POST", "POST", API_OP_CAMPAIGN_COMMAND, NULL, 0, out);
        }
    }
    return API_ROUTE_NOT_FOUND;
}

enum api_route_result api_route_parse(const char *method, const char *path, struct api_route *out)
{
    memset(out, 0, sizeof(*out));
    if (!strcmp(method, "HEAD"))
        method = "GET";
    if (strncmp(path, "/api/", 5) != 0)
        return API_ROUTE_NOT_FOUND;
    const char *rest = path + 5;
    const char *seg;
    size_t n = next_segment(&rest, &seg);
    int last = !*rest && seg[n] == '\0';
    if (seg_is(seg, n, "campaigns")) {
        if (last)
            return pick(method, "GET, POST", "GET", API_OP_CAMPAIGN_LIST, "POST",
                        API_OP_CAMPAIGN_CREATE, out);
        return parse_campaign(method, rest, out);
    }
    if (seg_is(seg, n, "commands") && !last) {
        n = next_segment(&rest, &seg);
        if (*rest || seg[n] != '\0' || !valid_command_id(seg, n))
            return API_ROUTE_NOT_FOUND;
        memcpy(out->command_id, seg, n);
        out->command_id[n] = '\0';
        return pick(method, "GET", "GET", API_OP_COMMAND_GET, NULL, 0, out);
    }
    if (seg_is(seg, n, "lists") && last)
        return pick(method, "GET, POST", "GET", API_OP_LIST_LIST, "POST", API_OP_LIST_CREATE, out);
    if (!strcmp(path, "/api/contacts/import"))
        return pick(method, "POST", "POST", API_OP_CONTACTS_IMPORT, NULL, 0, out);
    if (!strcmp(path, "/api/contacts/opt-out"))
        return pick(method, "POST", "POST", API_OP_CONTACTS_OPT_OUT, NULL, 0, out);
    if (!strcmp(path, "/api/contacts/opt-in"))
        return pick(method, "POST", "POST", API_OP_CONTACTS_OPT_IN, NULL, 0, out);
    if (!strcmp(path, "/api/contacts/erase"))
        return pick(method, "POST", "POST", API_OP_CONTACTS_ERASE, NULL, 0, out);
    if (seg_is(seg, n, "contacts") && !last) {
        n = next_segment(&rest, &seg);
        if (*rest || seg[n] != '\0' || !valid_phone_text(seg, n))
            return API_ROUTE_NOT_FOUND;
        memcpy(out->phone, seg, n);
        out->phone[n] = '\0';
        return pick(method, "GET", "GET", API_OP_CONTACT_SHOW, NULL, 0, out);
    }
    if (!strcmp(path, "/api/messaging-limit"))
        return pick(method, "GET, PUT", "GET", API_OP_MESSAGING_LIMIT_GET, "PUT",
                    API_OP_MESSAGING_LIMIT_SET, out);
    if (!strcmp(path, "/api/segments/preview"))
        return pick(method, "POST", "POST", API_OP_SEGMENT_PREVIEW, NULL, 0, out);
    return API_ROUTE_NOT_FOUND;
}
