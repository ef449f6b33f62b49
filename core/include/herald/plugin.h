/*
 * herald/plugin.h - the whole contract between the stage host and a plugin.
 *
 * Why this file exists: Herald runs four stages (segmenter, dispatcher, webhook gateway,
 * analytics) as copies of one generic host binary, `herald-stage`. Each stage dlopen()s a
 * plugin that knows the business; the host owns everything else: the config file, the Kafka
 * consumer and producer (librdkafka), offsets, PostgreSQL connections, logging, metrics,
 * signals and shutdown. A plugin includes this header and nothing from the host's internals,
 * and it never calls librdkafka or the loader itself.
 *
 * Life of a plugin (in the host's single main thread unless said otherwise):
 *
 *   dlopen(path) -> dlsym("herald_plugin_register") -> check abi_version
 *   host allocates ctx (ctx_size bytes, zeroed) and fills it from the plugin's config section
 *       following config_map (missing required key => one-line error naming file and key, exit 1)
 *   cb_init(ctx, host)                     open resources, start own threads if any
 *   loop: cb_assign(...)                   on every rebalance of the consumed topics
 *         cb_process(ctx, msgs, n)         a batch of consumed messages (see "completion")
 *         cb_tick(ctx, now_ms)             every `tick_ms` (config), for timers and housekeeping
 *   on SIGTERM/SIGINT: host stops fetching, calls cb_drain until it says done or the deadline,
 *         flushes the producer, stores/commits completed offsets, closes the consumer,
 *   cb_exit(ctx)                           free everything; the host then frees ctx and the
 *                                          strings it parsed into it.
 *
 * Completion (at-least-once): every message handed to cb_process is owned by the host and must
 * be completed exactly once with host->api->done(msg, status), either inside cb_process or
 * later (after an async HTTP call, say), from the main thread. Its offset is stored for commit
 * only when it and every message before it on the same partition are complete AND every
 * message produced with it as `parent` has been acknowledged by Kafka. So a plugin calls done()
 * once its effects are durable (PostgreSQL committed) and the host guarantees the rest.
 *   HERALD_OK     work done and durable.
 *   HERALD_RETRY  transient failure: the host hands the same message back after a backoff
 *                 (exponential with jitter, bounded by the `retry` config); later messages of
 *                 the partition keep flowing, the committed offset waits for this one.
 *   HERALD_ERROR  the message can never succeed (malformed, unknown type...): the host logs
 *                 the reason given with done_reason(), counts it, copies the message to the
 *                 dead-letter topic if one is configured, and moves on. Never blocks.
 *
 * Threads: host->api functions marked [any thread] may be called from plugin-owned threads
 * (e.g. libmicrohttpd handlers); all others only from the main thread, inside a callback.
 */
#ifndef HERALD_PLUGIN_H
#define HERALD_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change to this header. The loader refuses a mismatch. */
#define HERALD_PLUGIN_ABI_VERSION 1

/* The one symbol a plugin exports: `const struct herald_plugin *herald_plugin_register(void);` */
#define HERALD_PLUGIN_ENTRY "herald_plugin_register"

typedef enum herald_status {
    HERALD_OK = 0,
    HERALD_RETRY = 1,
    HERALD_ERROR = 2,
} herald_status;

typedef enum herald_log_level {
    HERALD_LOG_DEBUG = 0,
    HERALD_LOG_INFO = 1,
    HERALD_LOG_WARN = 2,
    HERALD_LOG_ERROR = 3,
} herald_log_level;

/* ---------------------------------------------------------------------------------------------
 * Configuration map (Fluent Bit style): the plugin lists its options once; the host parses the
 * plugin's section of the config file straight into the plugin's context struct and the same
 * table documents the options (`herald-stage --help-config X`).
 */
typedef enum herald_config_type {
    HERALD_CONFIG_STR = 1,    /* char *   (owned by the host; valid until after cb_exit) */
    HERALD_CONFIG_INT = 2,    /* int64_t  */
    HERALD_CONFIG_DOUBLE = 3, /* double   */
    HERALD_CONFIG_BOOL = 4,   /* int (0/1) */
    /* Nothing stored (offset unused, no default, no env): a list or group the plugin reads
     * itself with api->config_setting. Listed so the key is known, documented and, when
     * `required`, checked; any key of the section that no entry names refuses the start. */
    HERALD_CONFIG_SETTING = 5,
} herald_config_type;

struct herald_config_option {
    herald_config_type type;
    const char *name;          /* key inside the plugin section, e.g. "rate_per_second" */
    const char *default_value; /* as text, parsed like the file's value; NULL = no default */
    int required;              /* 1: missing key (and no env override) refuses the start */
    size_t offset;             /* offsetof(struct my_ctx, field) */
    const char *env;           /* env var that overrides the file (secrets); NULL = none */
    const char *description;   /* one line, for --help-config and docs */
};
/* A config_map ends with an entry whose name is NULL. */

/* ---------------------------------------------------------------------------------------------
 * Messages. Everything is borrowed from the host and valid until done() is called.
 */
struct herald_message {
    const char *topic; /* logical topic name as configured, e.g. "jobs" (see topic map) */
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* Kafka message timestamp */
    const char *key;      /* not NUL-terminated; NULL when the message has no key */
    size_t key_len;
    const char *payload; /* NUL-terminated for convenience (the NUL is not counted) */
    size_t len;
    int attempt;       /* 1 on first delivery, 2+ when handed back after HERALD_RETRY */
    void *plugin_data; /* free for the plugin to use while the message is in flight */
};

/* One partition of a consumed topic, as passed to cb_assign. */
struct herald_partition {
    const char *topic;
    int32_t partition;
};

/* Opaque handles owned by the host. */
typedef struct herald_host herald_host;
typedef struct herald_counter herald_counter;
typedef struct herald_pg herald_pg; /* one PostgreSQL connection with reconnect */

/* Called from the main thread when a produced message has been acknowledged by Kafka
 * (err == NULL) or has definitely failed (err says why). Never both, always exactly once. */
typedef void (*herald_delivery_cb)(void *opaque, const char *err);

/* ---------------------------------------------------------------------------------------------
 * The host API: everything a plugin may ask of the host.
 */
struct herald_host_api {
    /* Logging: JSON lines on stderr with level, stage and plugin name. [any thread] */
    void (*log)(herald_host *h, herald_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /* Stage name from the config file ("dispatcher-1"), for logs and ids. */
    const char *(*stage_name)(herald_host *h);

    /* ---- Kafka, producing. `topic` is a logical name ("jobs"); the host prepends the
     * stage's kafka.topic_prefix, so tests can run with prefixed topics. Payload and key are
     * copied. `parent`, if not NULL, is a consumed message that is not complete until this produce
     * is acknowledged. `cb` (optional) fires from the main thread on ack/failure. Returns 0 when
     * queued, -1 with a logged reason when it could not even be queued (queue full after waiting
     * `produce_block_ms`, unknown topic). [any thread; cb always runs on the main thread] */
    int (*produce)(herald_host *h, const char *topic, const char *key, size_t key_len,
                   const char *payload, size_t len, struct herald_message *parent,
                   herald_delivery_cb cb, void *opaque);

    /* ---- Kafka, consuming: complete a message handed to cb_process (see top of file). */
    void (*done)(herald_host *h, struct herald_message *msg, herald_status status);
    /* Same, with a reason kept in the log / dead-letter headers for HERALD_ERROR. */
    void (*done_reason)(herald_host *h, struct herald_message *msg, herald_status status,
                        const char *reason);
    /* Number of partitions of a consumed topic owned by this process and in total. Lets a
     * plugin take its share of a global budget (e.g. a rate limit). */
    void (*partition_share)(herald_host *h, const char *topic, int *owned, int *total);
    /* Ask the host to stop handing out new messages (backpressure) or to start again. */
    void (*pause_input)(herald_host *h, int paused);

    /* ---- PostgreSQL. The stage's main-thread connection; reconnects with backoff when the
     * server went away. Returns NULL while the database is unreachable (the plugin should
     * answer HERALD_RETRY). The PGconn* is borrowed; do not PQfinish it. */
    void *(*pg_main)(herald_host *h); /* returns PGconn* */
    /* A new connection for a plugin-owned thread; close it with pg_close. [any thread] */
    herald_pg *(*pg_open)(herald_host *h);
    void *(*pg_conn)(herald_pg *pg); /* PGconn*, reconnecting if needed; NULL if down */
    void (*pg_close)(herald_pg *pg);
    /* Convenience: PQexecParams on the main connection with text parameters, logging the
     * error and resetting a broken connection. Returns PGresult* (caller PQclear()s) whose
     * status is COMMAND_OK or TUPLES_OK, or NULL on any failure. */
    void *(*pg_exec)(herald_host *h, const char *sql, int nparams, const char *const *params);

    /* ---- Metrics, exposed at /metrics in Prometheus text format as
     * herald_<plugin>_<name>{stage="..."}. Counters only go up; gauges are set. [any thread]
     * The returned handle lives as long as the host. */
    herald_counter *(*counter)(herald_host *h, const char *name, const char *help);
    herald_counter *(*gauge)(herald_host *h, const char *name, const char *help);
    void (*counter_add)(herald_counter *c, double v);
    void (*gauge_set)(herald_counter *c, double v);

    /* ---- Config: raw lookup in the plugin section for what config_map cannot express
     * (lists, nested groups). Returns a libconfig `config_setting_t *` or NULL. */
    const void *(*config_setting)(herald_host *h, const char *path);

    /* ---- Time and lifecycle. */
    int64_t (*now_ms)(void);         /* monotonic milliseconds */
    int (*stopping)(herald_host *h); /* 1 once shutdown has begun [any thread] */
    /* Wake the main loop early (e.g. an async completion from a plugin thread needs
     * cb_tick sooner). [any thread] */
    void (*wakeup)(herald_host *h);
};

struct herald_host {
    const struct herald_host_api *api;
    /* the rest is private to the host */
};

/* ---------------------------------------------------------------------------------------------
 * The registration struct a plugin exports. Optional callbacks may be NULL.
 */
struct herald_plugin {
    uint32_t abi_version; /* HERALD_PLUGIN_ABI_VERSION */
    const char *name;     /* "dispatcher" */
    const char *description;
    size_t ctx_size; /* size of the plugin's context struct; host allocates it zeroed */
    const struct herald_config_option *config_map;

    /* Required. Return 0, or -1 after logging why (the stage exits non-zero). */
    int (*cb_init)(void *ctx, herald_host *host);
    /* Required when the stage consumes topics. Complete every message via api->done(). */
    void (*cb_process)(void *ctx, struct herald_message **msgs, size_t n);
    /* Optional: every tick_ms and after wakeup(). */
    void (*cb_tick)(void *ctx, int64_t now_ms);
    /* Optional: partitions `assigned` (1) or revoked (0). On revoke, messages of those
     * partitions still in flight will not be committed; finish them quickly, and still
     * complete each with done() (any status) so the host can release it. */
    void (*cb_assign)(void *ctx, const struct herald_partition *parts, size_t n, int assigned);
    /* Optional: shutdown has begun; no new messages will arrive. Return 1 when all in-flight
     * work is complete, 0 to be called again (the host stops waiting at drain_timeout_ms). */
    int (*cb_drain)(void *ctx, int64_t now_ms);
    /* Optional: release everything the plugin owns. */
    void (*cb_exit)(void *ctx);
};

/* Plugins define it with this macro:  HERALD_PLUGIN_EXPORT(my_plugin_struct) */
#define HERALD_PLUGIN_EXPORT(sym)                                                                  \
    __attribute__((visibility("default"))) const struct herald_plugin *herald_plugin_register(     \
        void);                                                                                     \
    const struct herald_plugin *herald_plugin_register(void)                                       \
    {                                                                                              \
        return &(sym);                                                                             \
    }

#ifdef __cplusplus
}
#endif
#endif /* HERALD_PLUGIN_H */
