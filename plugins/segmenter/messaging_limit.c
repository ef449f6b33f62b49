/*
 * messaging_limit.c - the room left under Meta's messaging limit (see the header).
 */
#include "messaging_limit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta_command.h"
#include "segmenter_pg.h"

/* Any number no other Herald lock uses (migrations.c holds 7243019871). */
#define MESSAGING_LIMIT_LOCK "7243019872"

/* The limit as set now (0 = none), or -1 when the database did not answer. */
static long long current_limit(PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = NULL;
    if (pgx_exec(conn, "SELECT people FROM messaging_limit_setting", 0, NULL, &res, err, errlen) !=
        PGX_OK)
        return -1;
    long long people = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return people;
}

/* One line when the limit starts holding new people back, naming when room frees up, and one
 * when it stops. */
static void note_room(struct segmenter *s, long long room, const char *used, const char *next)
{
    if (room == 0 && !s->messaging_limit_full)
        s->api->log(s->host, HERALD_LOG_WARN,
                    "messaging limit reached: %s of %lld people contacted in the last 24 h; "
                    "recipients not contacted in that time wait (the next one may go at %s)",
                    used, s->messaging_limit, next);
    else if (room > 0 && s->messaging_limit_full)
        s->api->log(s->host, HERALD_LOG_INFO,
                    "messaging limit: room for %lld more people in the last 24 h; sending on",
                    room);
    s->messaging_limit_full = room == 0;
}

/* A value read differs from the last one: say so once, and start counting afresh. */
static void adopt_limit(struct segmenter *s, long long people)
{
    if (people == s->messaging_limit)
        return;
    s->api->log(s->host, HERALD_LOG_INFO, "messaging limit is now %lld people per 24 h%s", people,
                people ? "" : " (none)");
    s->messaging_limit = people;
    s->messaging_limit_full = 0;
    s->api->gauge_set(s->messaging_limit_setting, (double)people);
    if (people == 0)
        s->api->gauge_set(s->messaging_limit_gauge, 0);
}

int messaging_limit_room(struct segmenter *s, PGconn *conn, long long *room, char *err,
                         size_t errlen)
{
    long long people = current_limit(conn, err, errlen);
    if (people < 0)
        return -1;
    adopt_limit(s, people);
    *room = -1;
    if (people == 0)
        return 0;
    PGresult *res = NULL;
    if (pgx_exec(conn, "SELECT pg_advisory_xact_lock(" MESSAGING_LIMIT_LOCK ")", 0, NULL, NULL, err,
                 errlen) != PGX_OK ||
        pgx_exec(conn,
                 "SELECT people, used, room, coalesce(to_char(next_room_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD HH24:MI:SS \"UTC\"'), '-') FROM messaging_limit_status()",
                 0, NULL, &res, err, errlen) != PGX_OK)
        return -1;
    /* read again under the lock: the value may have changed in between */
    adopt_limit(s, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
    *room = PQgetisnull(res, 0, 2) ? -1 : strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    if (*room >= 0) {
        s->api->gauge_set(s->messaging_limit_gauge, strtod(PQgetvalue(res, 0, 1), NULL));
        note_room(s, *room, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 3));
    }
    PQclear(res);
    return 0;
}

void messaging_limit_prune(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    char err[256];
    if (conn && pgx_exec(conn,
                         "DELETE FROM messaging_limit_contacts "
                         "WHERE contacted_at <= now() - interval '24 hours'",
                         0, NULL, NULL, err, sizeof(err)) != PGX_OK)
        s->api->log(s->host, HERALD_LOG_WARN, "messaging limit: pruning old contacts: %s", err);
}

/* "10000 people" or "none": how the limit reads in a log line. */
static const char *limit_text(const char *people, char *buf, size_t len)
{
    if (strcmp(people, "0") == 0)
        return "none";
    snprintf(buf, len, "%s people", people);
    return buf;
}

static void log_follow(struct segmenter *s, const struct messaging_limit_command *c, PGresult *res)
{
    const char *outcome = PQgetvalue(res, 0, 0);
    char num[24], said_buf[48], was_buf[48], now_buf[48], from[80] = "", when[40];
    meta_command_time_text(c->announced_at_ms, when, sizeof(when));
    snprintf(num, sizeof(num), "%lld", (long long)c->people);
    const char *said = limit_text(num, said_buf, sizeof(said_buf));
    const char *was = limit_text(PQgetvalue(res, 0, 1), was_buf, sizeof(was_buf));
    const char *now = limit_text(PQgetvalue(res, 0, 2), now_buf, sizeof(now_buf));
    if (*c->waba_id)
        snprintf(from, sizeof(from), ", WABA %s", c->waba_id);
    if (strcmp(outcome, "stale") == 0) {
        s->api->counter_add(s->commands_duplicate, 1);
        s->api->log(s->host, HERALD_LOG_INFO,
                    "messaging limit: Meta's %s of %s%s (%s) ignored: a newer announcement was "
                    "already recorded",
                    c->source, when, from, said);
        return;
    }
    s->api->counter_add(s->commands_accepted, 1);
    if (strcmp(outcome, "recorded") == 0)
        s->api->log(s->host, HERALD_LOG_WARN,
                    "messaging limit: Meta's %s of %s%s announces %s per 24 h; "
                    "follow_meta_messaging_limit is off, so the limit stays %s "
                    "(herald-ctl messaging-limit --set N)",
                    c->source, when, from, said, was);
    else
        s->api->log(s->host, HERALD_LOG_INFO,
                    "messaging limit: %s -> %s per 24 h, as Meta's %s of %s%s announced", was, now,
                    c->source, when, from);
}

herald_status messaging_limit_follow(struct segmenter *s, const struct messaging_limit_command *c)
{
    char people[24], at[24];
    snprintf(people, sizeof(people), "%lld", (long long)c->people);
    snprintf(at, sizeof(at), "%lld", (long long)c->announced_at_ms);
    const char *params[] = {people, at, c->source, s->follow_meta_messaging_limit ? "t" : "f"};
    PGresult *res;
    herald_status st = segmenter_announcement_exec(
        s, c->command_id, MESSAGING_LIMIT_COMMAND,
        "SELECT a.outcome, a.was, a.people FROM messaging_limit_announced($1::integer, "
        "to_timestamp($2::bigint / 1000.0), $3, $4::boolean) a",
        4, params, &res);
    if (res)
        log_follow(s, c, res);
    PQclear(res);
    return st;
}
