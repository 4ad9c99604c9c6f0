"""The EXPLAIN summary that bench/README.md records: how each statement reads its tables, and a
sequential scan of a large table called out (the issue's record of the hot queries on `large`)."""

from __future__ import annotations

from bench.explain import reads, summary

PLAN = """Aggregate (actual time=10.0..10.0 rows=1 loops=1)
  ->  Hash Join (actual time=1.0..9.0 rows=10 loops=1)
        ->  Parallel Seq Scan on edu_enrolments (actual time=0.1..5.0 rows=10 loops=3)
        ->  Seq Scan on edu_sections (actual time=0.0..0.5 rows=5 loops=3)
        ->  Index Only Scan using ix_dash_users_id_gender on users u (never executed)
        ->  Bitmap Heap Scan on health_clinics (actual time=0.1..0.2 rows=10 loops=1)
              ->  Bitmap Index Scan on ix_health_clinics_district (actual time=0.1..0.1 rows=10 loops=1)
        ->  Index Scan Backward using ix_health_appointments_user_date on health_appointments (rows=20)
Execution Time: 10.123 ms""".splitlines()


def test_reads_names_each_index_and_calls_out_a_scan_of_a_large_table():
    assert reads(PLAN) == [
        "**parallel seq scan of edu_enrolments**",
        "seq scan of edu_sections",
        "index only ix_dash_users_id_gender (never run)",
        "bitmap of ix_health_clinics_district",
        "index ix_health_appointments_user_date",
    ]


def test_summary_marks_the_statement_that_scans_a_large_table():
    table = summary(
        "large", [("Dashboard", "edu_enrolments", reads(PLAN), 10.123, True), ("Home", "x", [], 0.5, False)]
    )
    rows = [line for line in table.splitlines() if line.startswith("| Dashboard") or line.startswith("| Home")]
    assert rows[0].endswith("| 10.12 | **yes** |")
    assert rows[1] == "| Home | x | – | 0.50 | no |"
    assert "`large` PostgreSQL bench database" in table
