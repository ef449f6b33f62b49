/*
 * ctl_json_arg.c - inline-or-@file JSON arguments; see ctl_json_arg.h.
 */
#include "ctl_json_arg.h"

#include <stdio.h>

json_t *ctl_json_file_load(const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!v && je.line < 0) /* not a parse error: the file itself (jansson names it) */
        snprintf(err, errlen, "%s", je.text);
    else if (!v)
        snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return v;
}

json_t *ctl_json_arg_load(const char *arg, char *err, size_t errlen)
{
    if (arg[0] == '@')
        return ctl_json_file_load(arg + 1, err, errlen);
    json_error_t je;
    json_t *v = json_loads(arg, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v)
        snprintf(err, errlen, "invalid JSON at column %d: %s", je.column, je.text);
    return v;
}
