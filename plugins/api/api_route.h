/*
 * api_route.h - maps (method, path) of a control API request to the operation it names.
 *
 * Why: the URL space is small but has ids inside paths; parsing it in one pure function keeps
 * the handlers free of string surgery and makes "405 vs 404" decisions testable.
 */
#ifndef HERALD_API_ROUTE_H
#define HERALD_API_ROUTE_H

#include <stdint.h>

enum api_op {
    API_OP_NONE = 0,
    API_OP_CAMPAIGN_CREATE,     /* POST   /api/campaigns */
    API_OP_CAMPAIGN_LIST,       /* GET    /api/campaigns */
    API_OP_CAMPAIGN_GET,        /* GET    /api/campaigns/{id} */
    API_OP_CAMPAIGN_UPDATE,     /* PATCH  /api/campaigns/{id} */
    API_OP_CAMPAIGN_COMMAND,    /* POST   /api/campaigns/{id}/{schedule|start|pause|resume|
                                                               cancel|duplicate} */
    API_OP_CAMPAIGN_PROGRESS,   /* GET    /api/campaigns/{id}/progress */
    API_OP_CAMPAIGN_STREAM,     /* GET    /api/campaigns/{id}/progress/stream */
    API_OP_COMMAND_GET,         /* GET    /api/commands/{command_id} */
    API_OP_CONTACTS_IMPORT,     /* POST   /api/contacts/import */
    API_OP_LIST_LIST,           /* GET    /api/lists */
    API_OP_LIST_CREATE,         /* POST   /api/lists */
    API_OP_SEGMENT_PREVIEW,     /* POST   /api/segments/preview */
    API_OP_CONTACTS_OPT_OUT,    /* POST   /api/contacts/opt-out */
    API_OP_CONTACTS_OPT_IN,     /* POST   /api/contacts/opt-in */
    API_OP_CAMPAIGN_RECIPIENTS, /* GET  /api/campaigns/{id}/recipients */
    API_OP_CAMPAIGN_REPLIES,    /* GET  /api/campaigns/{id}/replies */
    API_OP_CONTACT_SHOW,        /* GET  /api/contacts/{phone} */
    API_OP_CONTACTS_ERASE,      /* POST /api/contacts/erase */
    API_OP_MESSAGING_LIMIT_GET, /* GET  /api/messaging-limit */
    API_OP_MESSAGING_LIMIT_SET, /* PUT  /api/messaging-limit */
};

enum api_route_result {
    API_ROUTE_OK = 0,
    API_ROUTE_NOT_FOUND = 404,
    API_ROUTE_METHOD_NOT_ALLOWED = 405,
};

struct api_route {
    enum api_op op;
    int64_t campaign_id; /* > 0 for campaign routes */
    const char *command; /* API_OP_CAMPAIGN_COMMAND: static "start", "pause"... */
    char command_id[65]; /* API_OP_COMMAND_GET */
    char phone[33];      /* API_OP_CONTACT_SHOW: as written in the path (URL-decoded) */
    const char *allow;   /* methods allowed on the path, for 405's Allow header */
};

/* 1 when `path` is under /api (the rest is static files). */
int api_route_is_api(const char *path);

/* Parses an /api path. HEAD is treated as GET. Unknown paths and malformed ids are 404. */
enum api_route_result api_route_parse(const char *method, const char *path, struct api_route *out);

#endif
