/*
 * dispatcher_request.c - build the template message exactly as the Cloud API expects it
 * (../shared/notes/whatsapp-cloud-api.md, "Sending a template message").
 *
 * Why jansson and not printf: parameters are user data (names, discounts) and must be
 * escaped as JSON strings; jansson does that for every byte.
 */
#include "dispatcher_request.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

void disp_callback_data(long long campaign_id, long long recipient_id, char *buf, size_t len)
{
    snprintf(buf, len, "c=%lld;r=%lld", campaign_id, recipient_id);
}

static json_t *body_component(const struct disp_job *job)
{
    json_t *params = json_array();
    for (size_t i = 0; i < job->n_params; i++)
        json_array_append_new(params,
                              json_pack("{s:s, s:s}", "type", "text", "text", job->params[i]));
    return json_pack("[{s:s, s:o}]", "type", "body", "parameters", params);
}

char *disp_request_body(const struct disp_job *job)
{
    char cb[48];
    disp_callback_data((long long)job->campaign_id, (long long)job->recipient_id, cb, sizeof(cb));
    json_t *tpl = json_pack("{s:s, s:{s:s}}", "name", job->template_name, "language", "code",
                            job->template_language);
    if (!tpl)
        return NULL;
    if (job->n_params > 0)
        json_object_set_new(tpl, "components", body_component(job));
    json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "messaging_product", "whatsapp",
                             "recipient_type", "individual", "to", job->phone, "type", "template",
                             "template", tpl, "biz_opaque_callback_data", cb);
    if (!root)
        return NULL;
    char *out = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return out;
}

int disp_request_url(const char *base, const char *version, const char *phone_number_id, char *buf,
                     size_t len)
{
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    int n = snprintf(buf, len, "%.*s/%s/%s/messages", (int)blen, base, version, phone_number_id);
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}
