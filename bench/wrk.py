"""Drive one URL with wrk (Debian's `wrk` package): a load generator in C, so that the clients take little of
the CPU that the server and the database share with them. Python threads as clients took a good part of it
on two cores, and their own GIL waits were counted as the page's latency."""
import shutil
import subprocess
import tempfile
from pathlib import Path

# wrk calls done() once at the end; latency is in microseconds.
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f\\n", summary.requests, summary.duration,
           e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(95),
           latency:percentile(99)))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, cookie: str, connections: int, seconds: float, threads: int = 2) -> dict:
    """Closed loop: each connection sends its next request when the previous one is answered."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(REPORT)
        out = subprocess.run(
            ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(script), "-H", f"Cookie: {cookie}", url],
            capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    requests, duration_us, errors, p50_us, p95_us, p99_us = line.split()[1:]
    return {"requests": int(requests), "seconds": int(duration_us) / 1e6, "errors": int(errors),
            "median_ms": float(p50_us) / 1000, "p95_ms": float(p95_us) / 1000, "p99_ms": float(p99_us) / 1000}
