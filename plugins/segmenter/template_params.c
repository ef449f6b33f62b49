/*
 * template_params.c - validates and compiles the template parameter mapping (see header).
 */
#include "template_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herald/text_buffer.h"

#define ATTR_PREFIX "attributes."

int template_param_entry_valid(const char *s)
{
    if (strlen(s) > 1024)
        return 0;
    if (strcmp(s, "name") == 0 || strcmp(s, "phone") == 0 || s[0] == '=')
        return 1;
    return strncmp(s, ATTR_PREFIX, strlen(ATTR_PREFIX)) == 0 && s[strlen(ATTR_PREFIX)] != '\0';
}

static int entry_ok(const json_t *entry, size_t i, char *err, size_t errlen)
{
    const char *s = json_string_value(entry);
    if (!s || strlen(s) != json_string_length(entry) || strlen(s) > 1024) {
        snprintf(err, errlen, "template.params[%zu]: expected a string", i);
        return -1;
    }
    if (template_param_entry_valid(s))
        return 0;
    snprintf(err, errlen,
             "template.params[%zu]: '%.64s' is not name, phone, attributes.<key> or =literal", i,
             s);
    return -1;
}

static int mapping_ok(const json_t *mapping, size_t max, char *err, size_t errlen)
{
    if (!json_is_array(mapping) || json_array_size(mapping) > max) {
        snprintf(err, errlen, "template.params: expected an array of at most %zu entries", max);
        return -1;
    }
    size_t i;
    const json_t *entry;
    json_array_foreach(mapping, i, entry)
    {
        if (entry_ok(entry, i, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int template_params_validate(const json_t *mapping, char *err, size_t errlen)
{
    return mapping_ok(mapping, TEMPLATE_MAX_PARAMS, err, errlen);
}

int template_params_sql(const json_t *mapping, struct sql_params *params, char **expr, char *err,
                        size_t errlen)
{
    *expr = NULL;
    if (mapping_ok(mapping, TEMPLATE_MAX_VALUES, err, errlen) != 0)
        return -1;
    struct text_buffer b;
    text_buffer_init(&b);
    text_buffer_puts(&b, "jsonb_build_array(");
    size_t i;
    const json_t *entry;
    json_array_foreach(mapping, i, entry)
    {
        const char *s = json_string_value(entry);
        int n = 0;
        if (i > 0)
            text_buffer_puts(&b, ", ");
        if (strcmp(s, "name") == 0) {
            text_buffer_puts(&b, "coalesce(c.name, '')");
        } else if (strcmp(s, "phone") == 0) {
            text_buffer_puts(&b, "c.phone");
        } else if (s[0] == '=') {
            n = sql_params_add(params, s + 1);
            text_buffer_printf(&b, "$%d::text", n);
        } else {
            n = sql_params_add(params, s + strlen(ATTR_PREFIX));
            text_buffer_printf(&b, "coalesce(c.attributes ->> $%d::text, '')", n);
        }
        if (n < 0) {
            text_buffer_free(&b);
            snprintf(err, errlen, "too many parameters");
            return -1;
        }
    }
    text_buffer_puts(&b, ")");
    *expr = text_buffer_take(&b);
    if (!*expr) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
