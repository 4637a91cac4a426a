"""Hostile and malformed input never causes a server error (property-based, over every form and filter).

The app is crawled as an administrator on the demo data; every POST form and every GET form found is
sent random and malicious values. Each part's own tests check that good input is saved correctly and bad
input saves nothing; this test guarantees no input at all can produce a 500.
"""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.demo.services import demo_data

SKIP_ACTIONS = ("/konto/logout", "/konto/sprog")
NASTY = st.sampled_from([
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' OR '1'='1' --", "'; DROP TABLE unit; --",
    "=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-1", "0", "99999999999999999999", "1e308",
    "NaN", "-inf", "2025-02-30", "9999-99-99", "31.12.2025", "00:00", "../../../etc/passwd", "\u202eevil",
    "x" * 100_000, "\x00", "\x01\x02\x1f", "æøå ÆØÅ", "", " ", "None", "null", "true", "[]", "{}",
])
VALUES = st.one_of(NASTY, st.text(max_size=300), st.integers().map(str))
# Sent into every field of every form, deterministically, besides the random exploration.
CRITICAL = ["\x00", "99999999999999999999", "x" * 5_000, "9999-99-99"]  # the values that found real bugs


class _Forms(HTMLParser):
    """Forms with their fields' current values (what a user would submit unchanged), and links."""

    def __init__(self):
        super().__init__()
        self.forms, self.links, self._current, self._select, self._textarea = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        form = self._current
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._current = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or "",
                             "fields": {}}
            self.forms.append(self._current)
        elif form is None or (tag != "option" and not attrs.get("name")) or attrs.get("name") == "csrf_token":
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs or attrs["name"] not in form["fields"]:
                    form["fields"][attrs["name"]] = attrs.get("value", "y") if "checked" in attrs else ""
            else:
                form["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
            form["fields"].setdefault(self._select, None)
        elif tag == "option" and self._select:
            if form["fields"][self._select] is None or "selected" in attrs:
                form["fields"][self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self._current is not None:
            self._current["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def crawl(client, start="/", limit=120):
    """Same-site pages reachable from the start page, and the forms on them (one representative per route)."""
    seen, queue, forms, shapes = set(), [start], {}, set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        shape = re.sub(r"\d+", "N", urlsplit(url).path)
        if url in seen or shape in shapes or any(url.startswith(a) for a in SKIP_ACTIONS):
            continue
        seen.add(url)
        shapes.add(shape)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            action = urljoin(url, form["action"]) if form["action"] else url
            if form["fields"] and not any(action.startswith(a) for a in SKIP_ACTIONS):
                defaults = {k: v or "" for k, v in form["fields"].items()}
                if form["method"] == "get" and "?" in action:  # a GET form sends its fields as the query
                    action = action.split("?", 1)[0]
                forms.setdefault((form["method"], re.sub(r"\d+", "N", action)), (form["method"], action, defaults))
        for href in parser.links:
            parts = urlsplit(href)
            if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return list(forms.values())


def _send_hostile_input(client, method, action, defaults):
    """Hypothesis sends the form its own values with a few fields hostile or missing."""
    fields = sorted(defaults)

    @settings(max_examples=6, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(fields), VALUES, max_size=3), st.sets(st.sampled_from(fields), max_size=1))
    def send(hostile, missing):
        # Mostly valid input with a few hostile fields reaches the save path, where bugs live.
        payload = {k: v for k, v in {**defaults, **hostile}.items() if k not in missing}
        if method == "post":
            response = client.post(action, data=payload)
        else:
            response = client.get(action, query_string=payload)
        assert response.status_code < 500, (method, action, payload)

    send()


def test_no_input_to_any_form_or_filter_causes_a_server_error(app, client, catalogs):
    app.config["RENDER_UNEXPECTED_ERRORS"] = False  # let a 500 surface as an exception with its traceback
    app.test_cli_runner().invoke(args=["demo"])
    data = demo_data()
    admin = next(u["email"] for u in data["users"] if u["role"] == "admin")
    assert client.post("/konto/login", data={"email": admin, "password": data["password"]}).status_code == 302
    targets = crawl(client)
    assert any(method == "post" for method, _a, _f in targets)  # the crawl found the edit forms

    for method, action, defaults in targets:
        _send_hostile_input(client, method, action, defaults)
        for field in sorted(defaults):
            for value in CRITICAL:
                payload = {**defaults, field: value}
                response = client.post(action, data=payload) if method == "post" else client.get(
                    action, query_string=payload)
                assert response.status_code < 500, (method, action, field, value[:40])


def test_an_id_beyond_what_the_database_stores_is_a_404_on_every_route(app, client, login):
    """PostgreSQL refuses to compare an integer key with 2**31; the route must never get that far."""
    login("admin")
    too_big = str(2**31)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule or "GET" not in rule.methods:
            continue
        path = re.sub(r"<int:[^>]+>", too_big, rule.rule)
        path = re.sub(r"<[^>]+>", "x", path)
        response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        checked += 1
    assert checked > 20  # the sweep really covered the item pages
