"""The chaos suite's scenario table.

Why: the suite's promise is a set of numbers per scenario (recipients, sent, duplicates, lost,
time to recover); each scenario appends one row here and conftest prints the table at the end
of the session (and writes it for docs/reliability.md).
"""

RESULTS: list[dict] = []

COLUMNS = [
    ("scenario", "scenario"),
    ("recipients", "recipients"),
    ("sent", "sent (distinct)"),
    ("failed", "failed (permanent)"),
    ("duplicates", "duplicates"),
    ("in_flight", "in flight at kills"),
    ("lost", "lost"),
    ("recover_s", "time to recover (s)"),
    ("replies", "replies by context/window/pending"),
    ("analytics_s", "analytics exact after last send (s)"),
    ("total_s", "total (s)"),
]


def _cell(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def render_table(rows: list[dict]) -> str:
    head = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(_cell(r.get(key)) for key, _ in COLUMNS) + " |" for r in rows]
    return "\n".join([head, rule, *body])
