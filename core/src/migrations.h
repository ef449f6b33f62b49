/*
 * migrations.h - apply numbered SQL files to a database, once each, in order.
 *
 * Why in the host: every stage ships its tables as numbered files in migrations/; one
 * command (`herald-stage --migrate`) brings any database to the current schema, and running
 * it twice, or from two processes at once, is harmless.
 */
#ifndef HERALD_MIGRATIONS_H
#define HERALD_MIGRATIONS_H

/* Applies every <digits>_<name>.sql in `dir` not yet recorded in herald_schema_migrations.
 * Returns 0 when the database is up to date, -1 after printing a one-line error. */
int migrations_apply(const char *conninfo, const char *dir);

#endif
