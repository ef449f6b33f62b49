"""Chaos scenarios: a 20,000-recipient campaign through every stage while something breaks.

Why: Herald's promise is "every recipient exactly once, whatever fails". Each scenario runs a
real campaign (segmenter, two dispatchers, mock Cloud API, signed webhooks, gateway, analytics;
private Kafka and PostgreSQL from conftest) at 2,000 msg/s, injects one kind of failure
mid-campaign and then asserts from the mock's record and the database: nobody lost, nobody
sent twice (except requests in flight at a dispatcher's kill -9, bounded by its window), the
campaign `completed`, and campaign_progress / campaign_analytics equal to the truth computed
from the mock's record. See docs/reliability.md.
"""
import time

from chaos_pipeline import Pipeline, now_ms
from chaos_report import RESULTS

N = 20000
RATE = 2000.0


def run(herald, scenario, inject, duplicates_allowed=False, **kw):
    pipe = Pipeline(herald, n=N, rate=RATE, **kw)
    try:
        pipe.start()
        inject(pipe)
        row = pipe.verify(scenario, duplicates_allowed=duplicates_allowed)
    finally:
        pipe.close()
    RESULTS.append(row)
    return row


def test_a_kill9_one_of_two_dispatchers_three_times(herald):
    def inject(pipe):
        for share in (0.15, 0.40, 0.65):
            pipe.wait_settled(share)
            pipe.kill_and_restart("dispatcher-1", down_s=1.0)
    row = run(herald, "a) kill -9 dispatcher-1 x3", inject, duplicates_allowed=True)
    assert row["in_flight"] > 0, "no kill hit a request in flight: the scenario proved nothing"


def test_b_kill9_segmenter_gateway_analytics(herald):
    def inject(pipe):
        pipe.wait_settled(0.15)
        pipe.kill_and_restart("segmenter", down_s=1.0)
        pipe.wait_settled(0.40)
        pipe.kill_and_restart("gateway", down_s=2.0)
        pipe.wait_settled(0.65)
        pipe.kill_and_restart("analytics", down_s=2.0)
    run(herald, "b) kill -9 segmenter, gateway, analytics", inject)


def test_c_kafka_broker_down_10s(herald, services):
    def inject(pipe):
        pipe.wait_settled(0.30)
        t0 = now_ms()
        stopping = services.stop_kafka()
        time.sleep(10)
        starting = services.start_kafka()
        pipe.fault("Kafka broker stopped", t0, now_ms())
        print(f"\nbroker: stop took {stopping:.1f} s, down 10 s, start took {starting:.1f} s")
    run(herald, "c) Kafka broker stopped 10 s", inject)


def test_d_postgres_restart(herald, services):
    def inject(pipe):
        pipe.wait_settled(0.30)
        t0 = now_ms()
        stopping = services.stop_postgres()
        time.sleep(2)
        starting = services.start_postgres()
        print(f"\nPostgreSQL: stop took {stopping:.1f} s, down 2 s, start took {starting:.1f} s")
        pipe.fault("PostgreSQL restarted", t0, now_ms())
        pipe.reemissions += 1  # an emission step cut off by the outage re-emits the window
    run(herald, "d) PostgreSQL restart", inject)


def test_e_api_5xx_throttling_and_timeouts(herald):
    def inject(pipe):
        pipe.wait_settled(0.20)
        t0 = now_ms()
        pipe.mock.config(fail_5xx_share=0.3, rate_per_second=200, timeout_share=0.05,
                         timeout_ms=1500)
        time.sleep(6)
        pipe.mock.config(fail_5xx_share=0, rate_per_second=0, timeout_share=0)
        pipe.fault("API 5xx/130429/timeouts", t0, now_ms())
        stats = pipe.mock.stats()
        assert stats["faults"]["http_500"] > 0 and stats["faults"]["timeouts"] > 0, stats
        assert stats["rejected"].get("130429", 0) > 0, stats
    run(herald, "e) API 5xx 30 %, 130429 at 200/s, 5 % timeouts for 6 s", inject)


def test_f_duplicated_and_reordered_webhooks(herald):
    def inject(pipe):
        pass
    row = run(herald, "f) webhooks 30 % duplicated, 30 % reordered", inject,
              mock_flags=["--duplicate-share", "0.3", "--reorder-share", "0.3"])
    assert row["recover_s"] is None
    webhooks = row["_mock"]["webhooks"]
    assert webhooks["duplicated"] > 1000 and webhooks["reordered"] > 1000, webhooks
