"""The benchmark runner's arithmetic: every figure of a benchmark's JSON (a list of named
figures or nested numbers) is read, the median is taken over the runs, and the table shows
each figure with its target and verdict."""

from __future__ import annotations

from bench.run_all import Outcome, Plan, markdown, read_figures

#: The machine a table is said to come from (its first line).
_MACHINE = {"date": "2026-12-04", "cpus": 2, "python": "3.11", "sqlite": "3.45",
            "sqlalchemy": "2.1", "load_average_at_start": (0.1, 0.1, 0.1)}  # fmt: skip


def test_named_figures_and_nested_numbers_are_both_read() -> None:
    listed = {"figures": [{"name": "search p95", "value": 4.5, "unit": "ms", "target": 10}]}
    assert read_figures(listed) == (
        {"search p95": 4.5}, {"search p95": "ms"}, {"search p95": 10.0}, set(),
    )  # fmt: skip
    rate = {"figures": [{"name": "events", "value": 250, "unit": "/s", "target": 300,
                         "target_is_minimum": True}]}  # fmt: skip
    assert read_figures(rate)[3] == {"events"}
    nested = {"figures": {"payments_per_s": 210.5, "latency": {"p95": 18}, "ok": True, "x": "a"}}
    assert read_figures(nested)[0] == {"payments_per_s": 210.5, "latency.p95": 18.0}


def test_the_table_shows_the_median_of_the_runs_with_target_and_verdict() -> None:
    o = Outcome(Plan("foundation", "bench.bench_foundation", ()))
    o.runs = [{"search p95": 12.0}, {"search p95": 4.0}, {"search p95": 6.0}]
    o.units = {"search p95": "ms"}
    o.targets = {"search p95": 10.0}
    o.runs[0]["events"] = 250.0
    o.units["events"] = "/s"
    o.targets["events"] = 300.0
    o.minimums = {"events"}
    skipped = Outcome(
        Plan("shared", "bench.bench_shared", (), needs_server=True), skipped="no server"
    )
    table = markdown([o, skipped], _MACHINE, 3)
    assert "| foundation | search p95 | 6 | ms | < 10 | PASS |" in table
    assert "| shared | (left out: no server) | | | | |" in table
    assert "| foundation | events | 250 | /s | ≥ 300 | MISS |" in table
    assert o.medians() == {"search p95": 6.0, "events": 250.0}


def test_plain_numbers_of_the_first_pull_and_the_four_desks_are_judged_by_their_targets() -> None:
    replica = Outcome(Plan("replica", "bench.bench_replica", ()))
    replica.runs = [{"first_pull_s": 10.6, "floor_s": 4.5}, {"first_pull_s": 9.2, "floor_s": 4.2}]
    shared = Outcome(Plan("shared", "bench.bench_shared", ()))
    shared.runs = [{"payments_per_s": 401.7, "latency_recorded_ms.p95": 21.5}]
    table = markdown([replica, shared], _MACHINE, 2)
    assert "| replica | first_pull_s | 9.9 |  | < 10 | PASS |" in table
    assert "| replica | floor_s | 4.35 |  |  |  |" in table
    assert "| shared | payments_per_s | 401.7 |  | ≥ 200 | PASS |" in table
    assert "| shared | latency_recorded_ms.p95 | 21.5 |  | < 20 | MISS |" in table
