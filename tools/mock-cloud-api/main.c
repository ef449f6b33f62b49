/*
 * herald-mock-cloud-api: a stand-in for the WhatsApp Business Cloud API used by Herald's
 * tests, benchmarks and demo (docs/mock-cloud-api.md). main() only wires the parts together:
 * configuration, shared state, the webhook thread and the HTTP server, then waits for
 * SIGINT/SIGTERM and shuts down in reverse order.
 */
#include "mock_app.h"
#include "mock_clock.h"
#include "mock_config.h"
#include "mock_random.h"
#include "mock_server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL); /* threads created later inherit the mask */
    signal(SIGPIPE, SIG_IGN);
}

static void app_init(mock_app_t *app, mock_config_t *cfg)
{
    memset(app, 0, sizeof *app);
    app->started_ms = mock_wall_ms();
    app->wamid_nonce = (uint32_t)mock_random_u64();
    app->limiter = mock_rate_limiter_new();
    app->sends = mock_send_log_new((size_t)cfg->max_records);
    app->config = mock_config_holder_new(cfg);
}

static void app_destroy(mock_app_t *app)
{
    mock_webhook_sender_stop(app->webhooks);
    mock_send_log_free(app->sends);
    mock_rate_limiter_free(app->limiter);
    mock_config_holder_free(app->config);
}

int main(int argc, char **argv)
{
    char err[256];
    bool help;
    mock_config_t *cfg = mock_config_new_default();
    if (mock_config_parse_args(cfg, argc - 1, argv + 1, &help, err, sizeof err)) {
        fprintf(stderr, "herald-mock-cloud-api: %s\n", err);
        mock_config_unref(cfg);
        return 2;
    }
    if (help) {
        mock_config_print_usage(argv[0]);
        mock_config_unref(cfg);
        return 0;
    }
    mock_random_seed(cfg->seed ? (uint64_t)cfg->seed
                               : (uint64_t)mock_mono_ms() ^ (uint64_t)getpid());
    sigset_t stop;
    block_stop_signals(&stop);

    static mock_app_t app;
    app_init(&app, cfg);
    app.webhooks = mock_webhook_sender_start(app.config, &app.counters, (size_t)cfg->webhook_queue,
                                             (size_t)cfg->webhook_concurrency);
    if (!app.webhooks)
        fprintf(stderr, "herald-mock-cloud-api: webhook sender did not start; no webhooks\n");
    mock_server_t *server = mock_server_start(&app, cfg->listen, (unsigned)cfg->threads);
    if (!server) {
        app_destroy(&app);
        return 1;
    }
    printf("herald-mock-cloud-api listening on port %u\n", mock_server_port(server));
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "herald-mock-cloud-api: signal %d, stopping\n", sig);
    mock_server_stop(server);
    app_destroy(&app);
    return 0;
}
