/*
 * Error titles and JSON (see mock_error.h). Titles follow Meta's error-code reference.
 */
#include "mock_error.h"

#include "mock_random.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    int code;
    const char *title;
} title_t;

static const title_t titles[] = {
    {1, "Invalid request or possible server error."},
    {2, "Temporary due to downtime or due to being overloaded."},
    {4, "Too many calls"},
    {100, "Invalid parameter"},
    {131000, "Something went wrong"},
    {131008, "Required parameter is missing"},
    {131009, "Parameter value is not valid"},
    {131026, "Message undeliverable"},
    {131047, "Re-engagement message"},
    {131048, "Spam rate limit hit"},
    {131031, "Business Account locked"},
    {131037, "WhatsApp provided number needs display name approval before message can be sent."},
    {131042, "Business eligibility payment issue"},
    {131045, "Incorrect certificate"},
    {131049, "This message was not delivered to maintain healthy ecosystem engagement."},
    {131050, "Unable to deliver the message. This recipient has chosen to stop receiving "
             "marketing messages on WhatsApp from your business."},
    {131051, "Unsupported message type"},
    {131056, "(Business Account, Consumer Account) pair rate limit hit"},
    {131057, "Account in maintenance mode"},
    {130429, "Rate limit hit"},
    {132000, "Number of parameters does not match the expected number of params"},
    {132001, "Template name does not exist in the translation"},
    {132015, "Template is paused"},
    {132018, "There was an issue with the parameters in your template."},
    {133010, "Phone number not registered"},
    {190, "Invalid OAuth access token - Cannot parse access token"},
    {368, "Temporarily blocked for policies violations"},
    {2500, "Unknown path components"},
};

const char *mock_error_title(int code)
{
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (titles[i].code == code)
            return titles[i].title;
    return "Unknown error";
}

void mock_error_set(mock_error_t *err, int http_status, int code, const char *details_fmt, ...)
{
    err->http_status = http_status;
    err->code = code;
    err->subcode = 0;
    va_list ap;
    va_start(ap, details_fmt);
    vsnprintf(err->details, sizeof err->details, details_fmt, ap);
    va_end(ap);
}

void mock_error_fbtrace_id(char out[12])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    uint64_t r = mock_random_u64();
    for (int i = 0; i < 11; i++, r >>= 6)
        out[i] = alphabet[r & 63];
    out[11] = '\0';
}

char *mock_error_json(const mock_error_t *err, const char *fbtrace_id)
{
    char message[600];
    /* Token errors carry no "(#190)" prefix at Meta; every other code does. */
    if (err->code == 190)
        snprintf(message, sizeof message, "%s", err->details);
    else
        snprintf(message, sizeof message, "(#%d) %s", err->code, mock_error_title(err->code));
    json_t *inner =
        json_pack("{s:s, s:s, s:i, s:{s:s, s:s}, s:s}", "message", message, "type",
                  "OAuthException", "code", err->code, "error_data", "messaging_product",
                  "whatsapp", "details", err->details, "fbtrace_id", fbtrace_id);
    if (err->subcode)
        json_object_set_new(inner, "error_subcode", json_integer(err->subcode));
    json_t *root = json_pack("{s:o}", "error", inner);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}
