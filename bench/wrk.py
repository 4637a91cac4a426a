"""Drive one URL with wrk (Debian's `wrk` package): a load generator in C, so that the clients take little of
the CPU that the server and the database share with them. Python threads as clients took a good part of it
on two cores, and their own GIL waits were counted as the page's latency."""
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlencode

# wrk calls done() once at the end; latency is in microseconds.
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f\\n", summary.requests, summary.duration,
           e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(95),
           latency:percentile(99)))
end
"""


# Each connection saves its own form again and again: the next status in turn (from one that differs from
# the stored one, so that every save changes something), with the version that its previous save made (a
# save raises it by one). A save answers 302 to the page `after` names (not the login page, say); anything
# else is counted, and a conflict's page gives the version to go on from (a save still in flight when the
# forms were loaded, say).
SAVES = """
local statuses = {"planned", "partly", "implemented", "not_started"}  -- STATUSES
local threads, made = {}, 0

setup = function(thread)
  made = made + 1
  thread:set("slot", made)
  table.insert(threads, thread)
end

init = function(args)
  form, saved, refused = forms[slot], 0, 0
  version = form.version
end

request = function()
  local status = statuses[(form.first + saved) % 4 + 1]
  local body = form.body .. "&status=" .. status .. "&version=" .. version
  -- a table of headers replaces wrk's own (the cookie from -H), so they are copied in
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", form.path, headers, body)
end

response = function(status, headers, body)
  local location = headers["Location"] or ""
  if status == 302 and string.find(location, form.after, 1, true) then
    saved, version = saved + 1, version + 1
  else
    refused = refused + 1
    -- a conflict shows the form again at the stored version: go on from there
    local stored = string.match(body or "", 'name="version"[^>]*value="(%d+)"')
    if stored then version = tonumber(stored) end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local refused = 0
  for _, thread in ipairs(threads) do refused = refused + thread:get("refused") end
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f\\n", summary.requests, summary.duration,
           e.connect + e.read + e.write + e.timeout + refused, latency:percentile(50), latency:percentile(95),
           latency:percentile(99)))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, cookie: str, connections: int, seconds: float, threads: int = 2) -> dict:
    """Closed loop: each connection sends its next request when the previous one is answered."""
    return _wrk(REPORT, url, cookie, connections, seconds, min(threads, connections))


STATUSES = ("planned", "partly", "implemented", "not_started")


def run_saves(base_url: str, cookie: str, forms: list[tuple[str, dict, str]], seconds: float) -> dict:
    """One connection per form (its path, its fields as loaded, with `version`, and the address a save
    redirects to), each saving a status in a closed loop. wrk gives each thread one connection here, so a
    thread's state is its form's."""
    entries = []
    for path, fields, after in forms:
        fields = dict(fields)
        version, current = int(fields.pop("version")), fields.pop("status", None)
        fields.pop("status_from_controls", None)  # the status is set by hand
        first = STATUSES.index(current) + 1 if current in STATUSES else 0
        entries.append(f"{{path = {_lua_string(path)}, body = {_lua_string(urlencode(fields))}, "
                       f"version = {version}, first = {first}, after = {_lua_string(after)}}}")
    table = ",\n".join(entries)
    return _wrk(f"forms = {{\n{table}\n}}\n" + SAVES, base_url, cookie, len(forms), seconds, len(forms))


def _wrk(script_text: str, url: str, cookie: str, connections: int, seconds: float, threads: int) -> dict:
    if seconds != int(seconds) or seconds < 1:
        raise ValueError(f"wrk runs for whole seconds, not {seconds}")  # and takes "-d8s", not "-d8.0s"
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "script.lua"
        script.write_text(script_text)
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s",
             "-s", str(script), "-H", f"Cookie: {cookie}", url],
            capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    requests, duration_us, errors, p50_us, p95_us, p99_us = line.split()[1:]
    return {"requests": int(requests), "seconds": int(duration_us) / 1e6, "errors": int(errors),
            "median_ms": float(p50_us) / 1000, "p95_ms": float(p95_us) / 1000, "p99_ms": float(p99_us) / 1000}
