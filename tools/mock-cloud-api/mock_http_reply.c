/*
 * Reply helpers shared by every handler. A reply owns its body; the server frees it once
 * libmicrohttpd has copied or sent it.
 */
#include "mock_app.h"

#include <stdlib.h>
#include <string.h>

void mock_reply_set(mock_http_reply_t *r, int status, char *body)
{
    free(r->body);
    r->action = MOCK_REPLY_RESPOND;
    r->status = status;
    r->body = body;
    r->body_len = body ? strlen(body) : 0;
    r->content_type = "application/json";
}

void mock_reply_json(mock_http_reply_t *r, int status, json_t *value)
{
    char *body = json_dumps(value, JSON_COMPACT);
    json_decref(value);
    mock_reply_set(r, status, body);
}
