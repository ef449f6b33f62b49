/*
 * snapshot_sql.c - builds the audience snapshot statement (see header for why).
 *
 * recipient_id is 1..N in contact id order (row_number over the selected contacts), params are
 * rendered by the template mapping's expression, and opted-out contacts are excluded by the
 * compiled audience.
 */
#include "snapshot_sql.h"

#include <stdio.h>
#include <stdlib.h>

#include "herald/text_buffer.h"
#include "segment_rules.h"
#include "template_params.h"

char *snapshot_sql(const json_t *audience, const json_t *mapping, struct sql_params *p, char *err,
                   size_t errlen)
{
    char *where = NULL, *params_expr = NULL, *sql = NULL;
    if (p->first != 2) {
        snprintf(err, errlen, "snapshot parameters must start at $2");
        return NULL;
    }
    if (segment_compile(audience, p, &where, err, errlen) == 0 &&
        template_params_sql(mapping, p, &params_expr, err, errlen) == 0) {
        struct text_buffer b;
        text_buffer_init(&b);
        text_buffer_printf(
            &b,
            "INSERT INTO campaign_recipients (campaign_id, recipient_id, contact_id, "
            "phone, name, params) SELECT $1::bigint, row_number() OVER (ORDER BY c.id), "
            "c.id, c.phone, c.name, %s FROM contacts c WHERE %s",
            params_expr, where);
        sql = text_buffer_take(&b);
        if (!sql)
            snprintf(err, errlen, "out of memory");
    }
    free(where);
    free(params_expr);
    return sql;
}
