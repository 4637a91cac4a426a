"""The page benchmark's load driver: wrk's figures reach the report, and failed requests are counted."""
import pytest

from bench import server, wrk

pytestmark = pytest.mark.skipif(not wrk.available(), reason="wrk is not installed (Debian package wrk; .ci/run "
                                                            "installs it)")


def test_wrk_reports_requests_percentiles_and_errors():
    with server.gunicorn(None, {}, 1, app="bench.floor:app", ready="/") as (url, _proc):
        answered = wrk.run(url + "/", "", connections=2, seconds=1)
        missing = wrk.run(url + "/nowhere", "", connections=2, seconds=1)
    assert answered["requests"] > 0 and answered["errors"] == 0
    assert 0 < answered["median_ms"] <= answered["p95_ms"] <= answered["p99_ms"]
    assert missing["requests"] > 0 and missing["errors"] == missing["requests"]  # every 404 is an error
