/*
 * fuzz_segment_rules.c - libFuzzer harness for the audience compiler
 * (plugins/segmenter/segment_rules.c), whose input is written by operators through the control
 * API and herald-ctl and whose output is SQL.
 *
 * The input is parsed as JSON (jansson) and compiled. Beyond "no crash, no leak, no UB" it
 * checks the security promise of docs/segments.md: the SQL text is built from constant
 * snippets only, so after removing the few constant literals the compiler itself writes
 * ('array', 'string', '') it contains no quote, no ';' and no comment marker, and every $n
 * it mentions is one of the parameters it appended. segment_validate() must agree with
 * segment_compile().
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "segment_rules.h"
#include "sql_params.h"

#define FIRST_PARAM 3 /* as if the statement already used $1 and $2 */

static const char *const CONSTANT_LITERALS[] = {"'array'", "'string'", "''"};

/* True when `sql` at `p` starts one of the compiler's own literals; sets its length. */
static int constant_literal_at(const char *p, size_t *len)
{
    for (size_t i = 0; i < sizeof CONSTANT_LITERALS / sizeof *CONSTANT_LITERALS; i++) {
        size_t n = strlen(CONSTANT_LITERALS[i]);
        if (strncmp(p, CONSTANT_LITERALS[i], n) == 0) {
            *len = n;
            return 1;
        }
    }
    return 0;
}

static void check_sql(const char *sql, const struct sql_params *params)
{
    FUZZ_CHECK(strstr(sql, "--") == NULL && strstr(sql, "/*") == NULL);
    FUZZ_CHECK(strchr(sql, ';') == NULL && strchr(sql, '"') == NULL);
    for (const char *p = sql; *p;) {
        size_t len;
        if (*p == '\'') {
            FUZZ_CHECK(constant_literal_at(p, &len));
            p += len;
            continue;
        }
        if (*p == '$') {
            char *end;
            long n = strtol(p + 1, &end, 10);
            FUZZ_CHECK(end != p + 1);
            FUZZ_CHECK(n >= params->first && n < params->first + params->count);
            p = end;
            continue;
        }
        p++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *audience = json_loadb((const char *)data, size, 0, NULL);
    if (!audience)
        return 0;
    struct sql_params params;
    char *sql = NULL;
    char err[512] = "";
    sql_params_init(&params, FIRST_PARAM);
    int rc = segment_compile(audience, &params, &sql, err, sizeof err);
    char verr[512] = "";
    int vrc = segment_validate(audience, verr, sizeof verr);
    FUZZ_CHECK(rc == vrc);
    if (rc == 0) {
        FUZZ_CHECK(sql != NULL);
        check_sql(sql, &params);
        free(sql);
    } else {
        FUZZ_CHECK(err[0] != '\0' && verr[0] != '\0');
    }
    sql_params_free(&params);
    json_decref(audience);
    return 0;
}
