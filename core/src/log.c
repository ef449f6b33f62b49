/*
 * log.c - JSON-lines logging (see log.h).
 *
 * Why jansson: messages carry arbitrary text (librdkafka errors, PostgreSQL messages, user
 * payload fragments), and hand-written escaping is where log injection bugs live. One
 * json_dumps per line plus a single write(2) keeps lines whole when threads log at once.
 */
#include "log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_stage[128] = "herald";
static herald_log_level log_level = HERALD_LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_setup(const char *stage, herald_log_level min_level)
{
    pthread_mutex_lock(&log_lock);
    if (stage)
        snprintf(log_stage, sizeof log_stage, "%s", stage);
    log_level = min_level;
    pthread_mutex_unlock(&log_lock);
}

herald_log_level log_min_level(void)
{
    return log_level;
}

int log_level_parse(const char *text, herald_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(text, level_names[i]) == 0) {
            *out = (herald_log_level)i;
            return 0;
        }
    }
    return -1;
}

static void format_ts(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void emit(herald_log_level level, const char *plugin, const char *sfield, const char *svalue,
                 const char *ifield, long long ivalue, const char *fmt, va_list ap)
{
    if (level < log_level)
        return;
    if ((int)level < 0 || level > HERALD_LOG_ERROR)
        level = HERALD_LOG_ERROR;
    char text[4096];
    vsnprintf(text, sizeof text, fmt, ap);
    char ts[40];
    format_ts(ts, sizeof ts);

    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(level_names[level]));
    pthread_mutex_lock(&log_lock);
    json_object_set_new(o, "stage", json_string(log_stage));
    pthread_mutex_unlock(&log_lock);
    if (plugin)
        json_object_set_new(o, "plugin", json_string(plugin));
    /* json_string rejects invalid UTF-8; fall back to a lossy copy rather than lose the line */
    json_t *m = json_string(text);
    if (!m) {
        for (char *p = text; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        m = json_string(text);
    }
    json_object_set_new(o, "msg", m ? m : json_string("(unprintable)"));
    if (sfield && svalue)
        json_object_set_new(o, sfield, json_string(svalue));
    if (ifield)
        json_object_set_new(o, ifield, json_integer(ivalue));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return;
    size_t n = strlen(line);
    char *buf = malloc(n + 2);
    if (buf) {
        memcpy(buf, line, n);
        buf[n] = '\n';
        ssize_t w = write(STDERR_FILENO, buf, n + 1);
        (void)w;
        free(buf);
    }
    free(line);
}

void log_msgv(herald_log_level level, const char *plugin, const char *fmt, va_list ap)
{
    emit(level, plugin, NULL, NULL, NULL, 0, fmt, ap);
}

void log_msg(herald_log_level level, const char *plugin, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, plugin, NULL, NULL, NULL, 0, fmt, ap);
    va_end(ap);
}

void log_fields(herald_log_level level, const char *plugin, const char *sfield, const char *svalue,
                const char *ifield, long long ivalue, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, plugin, sfield, svalue, ifield, ivalue, fmt, ap);
    va_end(ap);
}
