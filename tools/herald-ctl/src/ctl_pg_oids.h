/*
 * ctl_pg_oids.h - the PostgreSQL type oids herald-ctl formats or converts by.
 *
 * Why here: pg_type.h is not part of libpq's public headers; built-in oids are fixed
 * (pg_type.dat), so the few needed are named once for the table formatter and --json.
 */
#ifndef HERALD_CTL_PG_OIDS_H
#define HERALD_CTL_PG_OIDS_H

#define CTL_OID_BOOL        16
#define CTL_OID_INT8        20
#define CTL_OID_INT2        21
#define CTL_OID_INT4        23
#define CTL_OID_OID         26
#define CTL_OID_JSON        114
#define CTL_OID_FLOAT4      700
#define CTL_OID_FLOAT8      701
#define CTL_OID_TIMESTAMP   1114
#define CTL_OID_TIMESTAMPTZ 1184
#define CTL_OID_NUMERIC     1700
#define CTL_OID_JSONB       3802

#endif
