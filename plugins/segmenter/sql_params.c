/*
 * sql_params.c - owned array of libpq text parameters (see sql_params.h for why).
 */
#include "sql_params.h"

#include <stdlib.h>
#include <string.h>

void sql_params_init(struct sql_params *p, int first)
{
    memset(p, 0, sizeof(*p));
    p->first = first;
}

int sql_params_add(struct sql_params *p, const char *value)
{
    if (p->count >= SQL_PARAMS_MAX)
        return -1;
    if (p->count == p->cap) {
        int cap = p->cap ? p->cap * 2 : 8;
        char **values = realloc(p->values, (size_t)cap * sizeof(*values));
        if (!values)
            return -1;
        p->values = values;
        p->cap = cap;
    }
    char *copy = strdup(value);
    if (!copy)
        return -1;
    p->values[p->count++] = copy;
    return p->first + p->count - 1;
}

const char *const *sql_params_values(const struct sql_params *p)
{
    return (const char *const *)p->values;
}

void sql_params_free(struct sql_params *p)
{
    for (int i = 0; i < p->count; i++)
        free(p->values[i]);
    free(p->values);
    sql_params_init(p, p->first);
}
