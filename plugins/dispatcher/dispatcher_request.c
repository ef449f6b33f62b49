/*
 * dispatcher_request.c - build the template message exactly as the Cloud API expects it
 * (../shared/notes/whatsapp-cloud-api.md, "Sending a template message").
 *
 * Why a JSON writer and not printf: parameters are user data (names, discounts) and must be
 * escaped as JSON strings; the writer leaves that to jansson. Why not json_pack: the tree of
 * ~20 values was built and freed once per send only to be serialised (herald/json_writer.h).
 */
#include "dispatcher_request.h"

#include <herald/json_writer.h>
#include <stdio.h>
#include <string.h>

void disp_callback_data(long long campaign_id, long long recipient_id, char *buf, size_t len)
{
    snprintf(buf, len, "c=%lld;r=%lld", campaign_id, recipient_id);
}

/* {"type":"text","text":v}, or {"type":T,"T":v} for the other parameter types Meta names
 * after themselves (coupon_code, payload). */
static void parameter(struct json_writer *w, const char *type, const char *value)
{
    json_writer_open(w);
    json_writer_key(w, "type");
    json_writer_literal(w, type);
    json_writer_key(w, type);
    json_writer_cstring(w, value);
    json_writer_close(w);
}

static void component_begin(struct json_writer *w, const char *type)
{
    json_writer_open(w);
    json_writer_key(w, "type");
    json_writer_literal(w, type);
}

/* {"type":"header","parameters":[{"type":"image","image":{"link":...}}]} ("id" for uploaded
 * media; or text). */
static void header_component(struct json_writer *w, const struct disp_job *job)
{
    static const char *const media[] = {"", "", "image", "video", "document"};
    component_begin(w, "header");
    json_writer_key(w, "parameters");
    json_writer_open_array(w);
    if (job->header == DISP_HEADER_TEXT) {
        parameter(w, "text", job->params[job->n_body_params]);
    } else {
        const char *kind = media[job->header];
        json_writer_open(w);
        json_writer_key(w, "type");
        json_writer_literal(w, kind);
        json_writer_key(w, kind);
        json_writer_open(w);
        json_writer_key(w, job->header_media_is_id ? "id" : "link");
        json_writer_cstring(w, job->header_media);
        if (job->header_filename) {
            json_writer_key(w, "filename");
            json_writer_cstring(w, job->header_filename);
        }
        json_writer_close(w);
        json_writer_close(w);
    }
    json_writer_close_array(w);
    json_writer_close(w);
}

/* {"type":"body","parameters":[{"type":"text","text":...},...]} */
static void body_component(struct json_writer *w, const struct disp_job *job)
{
    component_begin(w, "body");
    json_writer_key(w, "parameters");
    json_writer_open_array(w);
    for (size_t i = 0; i < job->n_body_params; i++)
        parameter(w, "text", job->params[i]);
    json_writer_close_array(w);
    json_writer_close(w);
}

/* {"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":...}]} */
static void button_component(struct json_writer *w, const struct disp_button *b, const char *value)
{
    static const char *const sub_types[] = {"url", "copy_code", "quick_reply"};
    static const char *const param_types[] = {"text", "coupon_code", "payload"};
    char index[4];
    snprintf(index, sizeof(index), "%d", b->index);
    component_begin(w, "button");
    json_writer_key(w, "sub_type");
    json_writer_literal(w, sub_types[b->kind]);
    json_writer_key(w, "index");
    json_writer_cstring(w, index);
    json_writer_key(w, "parameters");
    json_writer_open_array(w);
    parameter(w, param_types[b->kind], value);
    json_writer_close_array(w);
    json_writer_close(w);
}

/* "components": header, body, buttons, each only when the job has it. */
static void components(struct json_writer *w, const struct disp_job *job)
{
    json_writer_key(w, "components");
    json_writer_open_array(w);
    if (job->header != DISP_HEADER_NONE)
        header_component(w, job);
    if (job->n_body_params > 0)
        body_component(w, job);
    size_t first = job->n_body_params + (job->header == DISP_HEADER_TEXT);
    for (size_t i = 0; i < job->n_buttons; i++)
        button_component(w, &job->buttons[i], job->params[first + i]);
    json_writer_close_array(w);
}

char *disp_request_body(const struct disp_job *job)
{
    char cb[48];
    disp_callback_data((long long)job->campaign_id, (long long)job->recipient_id, cb, sizeof(cb));
    struct json_writer w;
    json_writer_begin(&w, 320);
    json_writer_key(&w, "messaging_product");
    json_writer_literal(&w, "whatsapp");
    json_writer_key(&w, "recipient_type");
    json_writer_literal(&w, "individual");
    json_writer_key(&w, "to");
    json_writer_cstring(&w, job->phone);
    json_writer_key(&w, "type");
    json_writer_literal(&w, "template");
    json_writer_key(&w, "template");
    json_writer_open(&w);
    json_writer_key(&w, "name");
    json_writer_cstring(&w, job->template_name);
    json_writer_key(&w, "language");
    json_writer_open(&w);
    json_writer_key(&w, "code");
    json_writer_cstring(&w, job->template_language);
    json_writer_close(&w);
    if (job->n_params > 0 || job->header != DISP_HEADER_NONE)
        components(&w, job);
    json_writer_close(&w);
    json_writer_key(&w, "biz_opaque_callback_data");
    json_writer_literal(&w, cb);
    return json_writer_finish(&w);
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
