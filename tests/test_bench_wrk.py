"""The page benchmark's load driver: wrk's figures reach the report, failed requests and refused saves are
counted."""
from pathlib import Path

import pytest
import requests

from bench import server, wrk

pytestmark = pytest.mark.skipif(not wrk.available(), reason="wrk is not installed (Debian package wrk; .ci/run "
                                                            "installs it)")


def test_wrk_reports_requests_percentiles_and_errors():
    with server.gunicorn(None, {}, 1, app="bench.floor:app", ready="/") as (url, _proc):
        answered = wrk.run(url + "/", "", connections=2, seconds=1.0)  # as `--seconds` gives it
        missing = wrk.run(url + "/nowhere", "", connections=2, seconds=1)
    assert answered["requests"] > 0 and answered["errors"] == 0
    assert 0 < answered["median_ms"] <= answered["p95_ms"] <= answered["p99_ms"]
    assert missing["requests"] > 0 and missing["errors"] == missing["requests"]  # every 404 is an error


def test_the_save_driver_sends_each_form_with_the_version_its_last_save_made():
    """And after a conflict, the version the conflict showed (a save still in flight when the form loaded)."""
    fields = {"version": "5", "status": "planned", "note": 'a&b "c" æ'}
    tests = str(Path(__file__).parent)
    with server.gunicorn(None, {"PYTHONPATH": tests}, 1, app="saves_app:app", ready="/") as (url, _proc):
        saved = wrk.run_saves(url, "bench=1", [("/form/1", fields, "/form/1"), ("/form/2", fields, "/form/2")],
                              seconds=1)
        stale = wrk.run_saves(url, "bench=1", [("/form/3", {**fields, "version": "4"}, "/form/3")], seconds=1)
        logged_out = wrk.run_saves(url, "", [("/form/4", fields, "/form/4")], seconds=1)
        forms = [requests.get(f"{url}/form/{n}").json() for n in (1, 2)]
        after_conflict = requests.get(f"{url}/form/3").json()
    # wrk stops counting at the deadline: a save in flight then is made but not counted
    made = sum(form["saves"] for form in forms)
    assert saved["errors"] == 0 and 2 < saved["requests"] <= made <= saved["requests"] + 2
    assert all(form["version"] == 5 + form["saves"] for form in forms)
    # a refused save is counted, and the driver goes on from the version the conflict's page showed
    assert stale["errors"] == 1 and after_conflict["saves"] >= stale["requests"] - 1 > 2
    assert logged_out["requests"] > 0 and logged_out["errors"] == logged_out["requests"]  # a login redirect too


def test_wrk_is_given_whole_seconds():
    with pytest.raises(ValueError, match="whole seconds"):
        wrk.run("http://127.0.0.1:1/", "", connections=1, seconds=0.5)


def test_the_results_name_the_processor(tmp_path):
    """Machines of the same kind differed fourfold in speed between sessions: each result says which ran it."""
    from bench.pages import processor

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC\ncpu family\t: 26\nmodel\t\t: 2\n\n"
                       "processor\t: 1\nmodel name\t: AMD EPYC\ncpu family\t: 26\nmodel\t\t: 2\n")
    assert processor(cpuinfo) == "AMD EPYC (family 26, model 2), 2 cores"
    assert processor(tmp_path / "absent") == "unknown processor"
