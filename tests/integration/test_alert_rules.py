"""deploy/prometheus/herald-alerts.yml against the real stages.

Why: alerting rules rot quietly. A metric renamed in C leaves a rule that never fires, and
nobody notices until the outage it was for. This test parses every expression with a PromQL
parser, checks each rule's shape (severity, summary, description), starts the four stages
(gateway with its webhook and api plugins) and asserts that every herald_* metric a rule
reads is one that some stage really serves on /metrics.
"""
from pathlib import Path

import promql_parser
import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "herald-alerts.yml"
SEVERITIES = {"critical", "warning"}


def metric_names(node) -> set[str]:
    """Every metric a PromQL expression selects (VectorSelector names, at any depth)."""
    found = set()
    if isinstance(node, promql_parser.VectorSelector):
        found.add(node.name)
    for attr in ("lhs", "rhs", "expr", "vector_selector", "param"):
        child = getattr(node, attr, None)
        if child is not None:
            found |= metric_names(child)
    for arg in getattr(node, "args", None) or []:
        found |= metric_names(arg)
    return found


def rules():
    doc = yaml.safe_load(RULES.read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def test_every_rule_parses_and_says_what_to_do():
    seen = set()
    for r in rules():
        assert set(r) <= {"alert", "expr", "for", "labels", "annotations"}, r
        assert r["alert"].startswith("Herald") and r["alert"] not in seen, r["alert"]
        seen.add(r["alert"])
        promql_parser.parse(r["expr"])  # raises on a syntax error
        assert r["labels"]["severity"] in SEVERITIES, r
        assert r["annotations"]["summary"] and len(r["annotations"]["description"]) > 40, r
    assert len(seen) >= 8


def test_every_metric_a_rule_reads_is_served_by_a_stage(herald):
    wport, aport = herald.free_port(), herald.free_port()
    stages = [
        herald.start_stage("segmenter", plugin="segmenter", consume=["campaign-commands"]),
        herald.start_stage("dispatcher", plugin="dispatcher", consume=["jobs"],
                           plugin_config={"api_base_url": "http://127.0.0.1:9"},
                           env={"HERALD_WA_TOKEN": "t"}),
        herald.start_stage("analytics", plugin="analytics",
                           consume=["delivery-events", "replies", "campaign-commands"]),
        herald.start_stage("gateway", env={"HERALD_APP_SECRET": "s", "HERALD_API_TOKEN": "t"},
                           plugins=[{"name": "webhook", "consume": [],
                                     "config": {"listen": f"127.0.0.1:{wport}"}},
                                    {"name": "api", "consume": [],
                                     "config": {"listen": f"127.0.0.1:{aport}"}}]),
    ]
    served = set()
    for st in stages:
        st.wait_healthy()
        served |= set(st.metrics())
    read = set()
    for r in rules():
        read |= metric_names(promql_parser.parse(r["expr"]))
    ours = {m for m in read if m.startswith("herald_")}
    assert ours - served == set(), f"rules read metrics no stage serves: {sorted(ours - served)}"
    assert read - ours == {"up"}  # the one metric Prometheus itself provides
    for st in stages:
        st.stop()
