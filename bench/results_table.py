#!/usr/bin/env python3
"""results_table.py - the Markdown results table of one bench/run.sh run.

Why: every bench writes its own <name>.tsv (issue 9's contract); the reader wants one table
with the ratio to the baseline measured in the same run and whether each goal was met, and
must see a bench that failed or wrote nothing as such - never a silently shorter table.

    results_table.py OUT_DIR STATUS_TSV   -> prints the Markdown and writes OUT_DIR/results.md
STATUS_TSV has one line per bench run: `name<TAB>exit status<TAB>seconds`.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEADER = ["figure", "value", "unit", "baseline", "baseline_value", "goal", "met"]


def num(x: str) -> float | None:
    try:
        return float(x.replace(",", ""))
    except ValueError:
        return None


def ratio(value: str, base: str) -> str:
    v, b = num(value), num(base)
    if v is None or b is None or b == 0:
        return "-"
    return f"{v / b:.2f}x"


def cell(s: str) -> str:
    return s.replace("|", "\\|")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    return (f"{os.cpu_count()} x {model}, {mem_kb / 1048576:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}")


def run(*cmd: str) -> str:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def kafka_version() -> str:
    """The broker's version, from the libs folder of the running broker (scripts/kafka.sh)."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "kafka.Kafka" in cmd and "/var/kafka/" in cmd:
                for part in cmd.split("\0"):
                    if "kafka-libs/" in part:
                        return part.split("kafka-libs/")[1].split("/")[0]
    return "?"


def software() -> str:
    libs = ", ".join(f"{name} {run('pkg-config', '--modversion', pc)}" for name, pc in (
        ("librdkafka", "rdkafka"), ("libpq", "libpq"), ("jansson", "jansson"),
        ("libcurl", "libcurl"), ("libmicrohttpd", "libmicrohttpd"), ("OpenSSL", "libcrypto")))
    pg = run("psql", "host=127.0.0.1 port=19432 user=herald dbname=postgres", "-Atc",
             "SHOW server_version")
    debian = Path("/etc/debian_version").read_text().strip() if Path(
        "/etc/debian_version").exists() else "?"
    return (f"Debian {debian}; Kafka {kafka_version()} (single KRaft node); PostgreSQL {pg} "
            f"(default settings); {libs}; {run('gcc', '--version')}; build RelWithDebInfo")


def load_start(out: Path) -> str:
    p = out / "run-load-start.txt"
    return " ".join(p.read_text().split()[:3]) if p.exists() else "?"


def commit() -> str:
    r = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def rows_of(out: Path, name: str, rc: int, seconds: str) -> list[list[str]]:
    tsv = out / f"{name}.tsv"
    log = f"var/bench/{name}.log" if out == REPO / "var" / "bench" else str(out / f"{name}.log")
    failed = [f"**{name}: FAILED** (exit {rc} after {seconds} s; log {log})", "-", "-", "-",
              "-", "-", "no"]
    if rc == 127 and not tsv.exists():
        failed[0] = f"**{name}: MISSING** (no bench/{name}.sh)"
    elif rc == 124 or rc == 137:
        failed[0] = f"**{name}: TIMED OUT** after {seconds} s (log {log})"
    if not tsv.exists():
        if rc == 0:
            failed[0] = f"**{name}: no results** (exit 0 but no {name}.tsv; log {log})"
        return [failed]
    lines = tsv.read_text().splitlines()
    out_rows = []
    if not lines or lines[0].split("\t") != HEADER:
        return [[f"**{name}: malformed {name}.tsv** (header is not `{' '.join(HEADER)}`)",
                 "-", "-", "-", "-", "-", "no"]]
    for line in lines[1:]:
        if not line.strip():
            continue
        f = (line.split("\t") + ["-"] * 7)[:7]
        value = f[1] if f[2] in ("-", "") else f"{f[1]} {f[2]}"
        base_value = f[4] if f[4] == "-" or f[2] in ("-", "") else f"{f[4]} {f[2]}"
        out_rows.append([f[0], value, f[3], base_value, ratio(f[1], f[4]), f[5], f[6]])
    if rc != 0:
        out_rows.append(failed)
    elif not out_rows:
        failed[0] = f"**{name}: no rows** in {name}.tsv"
        out_rows.append(failed)
    return out_rows


def main() -> int:
    out, status = Path(sys.argv[1]), Path(sys.argv[2])
    runs = [line.split("\t") for line in status.read_text().splitlines() if line.strip()]
    md = [f"# Herald benchmark results",
          "",
          f"Run finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
          f"`{commit()}`, {machine()}; load average at the start {load_start(out)}, at the end "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}.",
          f"Software: {software()}.",
          "Ratio = value / baseline value, both measured in the same run.",
          "",
          "| figure | value | baseline | baseline value | ratio | goal | met? |",
          "|---|---:|---|---:|---:|---|---|"]
    failures = 0
    for name, rc, seconds in runs:
        for r in rows_of(out, name, int(rc), seconds):
            failures += r[0].startswith("**")
            md.append("| " + " | ".join(cell(c) for c in r) + " |")
    md.append("")
    md.append("Bench run times: " + ", ".join(
        f"{name} {seconds} s{'' if rc == '0' else f' (exit {rc})'}" for name, rc, seconds in runs)
        + ".")
    pngs = sorted(p.name for p in out.glob("*.png"))
    if pngs:
        md.append("Plots: " + ", ".join(pngs) + ".")
    text = "\n".join(md) + "\n"
    (out / "results.md").write_text(text)
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
