/*
 * dispatcher_raw_curl.c - the baseline for bench/dispatcher_bench.py: the fastest a single
 * thread can POST template messages to the mock Cloud API with libcurl multi, with none of
 * the dispatcher's work (no Kafka, no PostgreSQL claims, no rate limiting).
 *
 * Why: the dispatcher's sends/s only mean something next to what the same HTTP stack and the
 * same mock do without it, measured in the same run on the same machine.
 *
 * Usage: herald-bench-raw-curl URL TOKEN N CONCURRENCY   (prints "sent=N errors=E seconds=S
 * rate=R")
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t sink(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void start(CURLM *m, CURL *e, const char *url, struct curl_slist *h, long i)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
             "\"49160%08ld\",\"type\":\"template\",\"template\":{\"name\":\"spring_sale\","
             "\"language\":{\"code\":\"en\"},\"components\":[{\"type\":\"body\",\"parameters\":"
             "[{\"type\":\"text\",\"text\":\"Asha\"},{\"type\":\"text\",\"text\":\"20%%\"}]}]},"
             "\"biz_opaque_callback_data\":\"c=0;r=%ld\"}",
             i, i);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(m, e);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s URL TOKEN N CONCURRENCY\n", argv[0]);
        return 2;
    }
    long n = atol(argv[3]), conc = atol(argv[4]), started = 0, done = 0, errors = 0;
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", argv[2]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, conc);
    double t0 = now_s();
    for (; started < conc && started < n; started++)
        start(m, curl_easy_init(), argv[1], h, started);
    while (done < n) {
        int running, left;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &left))) {
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result != CURLE_OK || status != 200)
                errors++;
            done++;
            curl_multi_remove_handle(m, msg->easy_handle);
            if (started < n)
                start(m, msg->easy_handle, argv[1], h, started++);
            else
                curl_easy_cleanup(msg->easy_handle);
        }
        curl_multi_poll(m, NULL, 0, 10, NULL);
    }
    double secs = now_s() - t0;
    printf("sent=%ld errors=%ld seconds=%.3f rate=%.0f\n", n, errors, secs, (double)n / secs);
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    curl_global_cleanup();
    return errors ? 1 : 0;
}
