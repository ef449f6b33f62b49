#!/usr/bin/env python3
"""plot.py - renders every time series a bench left in the result folder as a PNG (gnuplot).

Why one generic script: the benches are written by different people and the contract only
fixes the .dat format (whitespace columns, one `#` header line naming them), so the plot is
derived from the header: column 1 is x, every other column a line; a non-numeric first
column (e.g. process names) gives a bar chart of column 2. A few files get a better title or
style by name (scaling, e2e progress, dispatcher rate accuracy). gnuplot is a Debian package.

    plot.py [DIR]     DIR defaults to $HERALD_BENCH_OUT or var/bench; writes DIR/<stem>.png
Exit status 1 when a plot failed (each failure is printed; the others are still drawn).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TITLES = {
    "scaling-throughput": ("End-to-end throughput by dispatcher instances (2 cores)",
                           "dispatcher instances", "per second"),
    "e2e-progress": ("Campaign progress as analytics folds it (start command = 0 s)",
                     "seconds since start", "recipients"),
    "e2e-cpu": ("CPU seconds per process during the end-to-end run", "", "CPU seconds"),
    "gateway-throughput": ("Signed webhooks per second by wrk connections, next to its baselines",
                           "wrk connections", "requests (messages) per second, log scale"),
}


def header_and_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    cols, rows = [], []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            if not cols:
                cols = line.lstrip("#").split()
            continue
        if line.strip():
            rows.append(_split(line))
    return cols, rows


def _split(line: str) -> list[str]:
    """Whitespace split that keeps "quoted names" together."""
    out, cur, quoted = [], "", False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch.isspace() and not quoted:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def numeric(x: str) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False


def gp_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("_", "\\_") + '"'


def script_for(path: Path, png: Path) -> str | None:
    cols, rows = header_and_rows(path)
    if not rows:
        return None
    width = max(len(r) for r in rows)
    cols = cols + [f"col{i}" for i in range(len(cols) + 1, width + 1)]
    stem = path.stem
    title, xlabel, ylabel = TITLES.get(stem, (stem.replace("-", " "), cols[0], ""))
    if stem.startswith("dispatcher") and any("rate" in c or "target" in c for c in cols):
        title = f"{stem}: achieved rate over time"
        ylabel = ylabel or "messages per second"
    lines = ["set terminal pngcairo size 960,540 noenhanced font ',10'",
             f"set output {gp_quote(str(png))}", f"set title {gp_quote(title)}",
             f"set xlabel {gp_quote(xlabel)}", f"set ylabel {gp_quote(ylabel)}",
             "set grid", "set key outside right top", "set datafile commentschars '#'"]
    src = gp_quote(str(path))
    if not numeric(rows[0][0]):
        lines += ["set style fill solid 0.6", "set boxwidth 0.7", "set xtics rotate by -30",
                  "set yrange [0:*]", f"plot {src} using 2:xticlabels(1) with boxes "
                  f"title {gp_quote(cols[1] if len(cols) > 1 else 'value')}"]
        return "\n".join(lines) + "\n"
    style = "linespoints" if len(rows) <= 20 else "lines"
    if stem == "gateway-throughput":
        lines += ["set logscale y", "set xtics (64, 256, 1024)", "set logscale x 2"]
    if stem == "scaling-throughput":
        lines += ["set xtics 1", "set yrange [0:*]"]
        wanted = [i for i, c in enumerate(cols) if i > 0 and "per_s" in c] or \
            list(range(1, width))
    else:
        wanted = list(range(1, width))
    plots = [f"{src} using 1:{i + 1} with {style} lw 2 title {gp_quote(cols[i])}"
             for i in wanted]
    lines.append("plot " + ", \\\n     ".join(plots))
    return "\n".join(lines) + "\n"


def rate_accuracy(out: Path) -> str | None:
    """All dispatcher-rate-<R>.dat (second, achieved_per_s, target_per_s) on one chart as the
    deviation from the target in %, so 80/s and 5,000/s share an axis."""
    files = sorted(out.glob("dispatcher-rate-*.dat"),
                   key=lambda p: float(p.stem.rsplit("-", 1)[1]) if numeric(
                       p.stem.rsplit("-", 1)[1]) else 0)
    if not files:
        return None
    png = out / "dispatcher-rate-accuracy.png"
    dev = [abs(float(r[1]) / float(r[2]) - 1) * 100 for f in files
           for r in header_and_rows(f)[1] if len(r) > 2 and numeric(r[1]) and numeric(r[2])
           and float(r[2]) > 0]
    span = max([5.0] + [min(d, 100.0) for d in dev]) * 1.1
    plots = [f"{gp_quote(str(f))} using 1:(100.0*($2/$3-1)) with lines lw 2 title "
             f"{gp_quote(f.stem.rsplit('-', 1)[1] + ' msg/s')}" for f in files]
    return "\n".join([
        "set terminal pngcairo size 960,540 noenhanced font ',10'",
        f"set output {gp_quote(str(png))}",
        "set title 'Dispatcher: achieved rate per second at the mock, deviation from the limit'",
        "set xlabel 'second'", "set ylabel 'achieved / limit - 1 (%)'", "set grid",
        "set key outside right top", "set arrow from graph 0, first 0 to graph 1, first 0 nohead",
        f"set yrange [{-span:.1f}:{span:.1f}]",
        "plot " + ", \\\n     ".join(plots)]) + "\n"


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else
               os.environ.get("HERALD_BENCH_OUT", str(REPO / "var" / "bench")))
    if not shutil.which("gnuplot"):
        print("plot: gnuplot not installed (apt-get install gnuplot-nox)", file=sys.stderr)
        return 1
    failed = 0
    for dat in sorted(out.glob("*.dat")):
        png = dat.with_suffix(".png")
        try:
            script = script_for(dat, png)
        except (OSError, ValueError) as e:
            script, err = None, str(e)
        else:
            err = "no data rows"
        if script is None:
            print(f"plot: {dat.name}: skipped ({err})", file=sys.stderr)
            failed += 1
            continue
        (out / f"{dat.stem}.gp").write_text(script)
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0 or not png.exists():
            print(f"plot: {dat.name}: gnuplot failed: {r.stderr.strip()[-500:]}", file=sys.stderr)
            failed += 1
        else:
            print(f"plot: {png}")
    script = rate_accuracy(out)
    if script:
        (out / "dispatcher-rate-accuracy.gp").write_text(script)
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            print(f"plot: rate accuracy: gnuplot failed: {r.stderr.strip()[-500:]}",
                  file=sys.stderr)
            failed += 1
        else:
            print(f"plot: {out / 'dispatcher-rate-accuracy.png'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
