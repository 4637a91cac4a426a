"""The shared-server benchmark: municipalities side by side on one machine stay apart, and their figures reach
the report."""
import os

import pytest

from bench import generate, shared, wrk


def test_clients_are_split_as_evenly_as_they_go():
    assert shared.split(10, 4) == [3, 3, 2, 2]
    assert shared.split(8, 4) == [2, 2, 2, 2]
    assert sum(shared.split(11, 3)) == 11


def test_each_municipality_gets_its_own_database_on_the_server():
    assert shared.database_urls(None, 2) == [None, None]  # SQLite: a file in each instance folder
    assert shared.database_urls("postgresql://u:secret@db:5432/register", 2) == [
        "postgresql://u:secret@db:5432/register_m1", "postgresql://u:secret@db:5432/register_m2"]


@pytest.mark.skipif(not wrk.available(), reason="wrk is not installed (Debian package wrk; .ci/run installs it)")
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="the benchmark makes its own SQLite instances whatever the database: run once, on SQLite")
def test_two_municipalities_on_one_server_stay_apart_and_are_measured():
    result = shared.run(None, count=2, clients=2, workers=1, seconds=1, scale=generate.Scale.small())
    assert result.own_name_only and result.foreign_login_refused
    assert [label for label, _ in result.timings] == [label for label, _ in shared.PAGES]
    for _label, runs in result.timings:
        assert len(runs) == 2 and all(r["requests"] > 0 and r["errors"] == 0 for r in runs)
    assert result.peak_total_mib >= result.peak_worker_mib > 0
    text = shared.report(result, "SQLite")
    assert "| requirement page |" in text and "refused by the others: yes" in text
