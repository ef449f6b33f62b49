/*
 * sql_params.h - the parameter array that travels with a compiled SQL fragment.
 *
 * Why: every value that reaches PostgreSQL from an audience definition, a template mapping or
 * a command goes as a libpq text parameter ($n), never inside the SQL text. Several compilers
 * (segment rules, template parameters) append to one shared array so that their fragments can
 * be combined into a single statement with consistent $n numbering.
 */
#ifndef HERALD_SEGMENTER_SQL_PARAMS_H
#define HERALD_SEGMENTER_SQL_PARAMS_H

/* PostgreSQL's protocol allows 65535 parameters; we stay far below to bound work. */
#define SQL_PARAMS_MAX 4096

struct sql_params {
    int first; /* number of the first parameter added here ($first) */
    int count; /* values added so far */
    int cap;
    char **values; /* owned copies; values[i] is $(first + i) */
};

/* `first` is the $n of the first value added (1 if the statement has no other parameters). */
void sql_params_init(struct sql_params *p, int first);
/* Copies `value`; returns its $n, or -1 when out of memory or past SQL_PARAMS_MAX. */
int sql_params_add(struct sql_params *p, const char *value);
/* The values as libpq wants them (valid until the next add or free). */
const char *const *sql_params_values(const struct sql_params *p);
void sql_params_free(struct sql_params *p);

#endif
