"""In a real browser: keyboard-only use and axe-core accessibility checks of every page."""
import re

from browser import log_in, serious_violations
from conftest import PASSWORD


def test_log_in_with_the_keyboard_only(page, site, users):
    page.goto(f"{site}/konto/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skipnav"
    page.keyboard.press("Enter")  # the skip link moves focus to the content
    page.focus("#email")
    page.keyboard.type("board@test.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(site) + r"/(#main-content)?$"))  # the skip link's fragment survives
    assert page.locator("h1").inner_text().endswith("NIS2 og beredskab")


def test_the_login_page_and_the_statement_are_accessible(page, site):
    for path in ("/konto/login", "/tilgaengelighed"):
        page.goto(site + path)
        assert serious_violations(page) == [], path


def test_every_page_is_accessible(app, page, site, users, catalogs, make_unit):
    from register.organisation.models import UnitKind

    root = make_unit(name="Fjordby Kommune", kind=UnitKind.MUNICIPALITY)
    unit = make_unit(name="Digitalisering og IT", kind=UnitKind.CENTRE, parent_id=root)
    log_in(page, site)
    paths = ["/", "/organisation/", f"/organisation/{unit}", f"/organisation/{unit}/rediger", "/organisation/ny",
             "/kataloger/", "/kataloger/nis2", "/kataloger/cis-v8", "/kataloger/beredskab", "/kataloger/krav/1",
             "/tilgaengelighed", "/findes-ikke"]
    problems = {}
    for path in paths:
        page.goto(site + path)
        found = serious_violations(page)
        if found:
            problems[path] = found
    # A form showing its errors must be accessible too.
    page.goto(f"{site}/organisation/ny")
    page.fill("#name", "")
    page.fill("#contact_email", "ikke-en-mail")
    page.click("main button[type=submit]")
    assert page.locator(".form-error-message").count() >= 2
    if found := serious_violations(page):
        problems["/organisation/ny (errors)"] = found
    assert problems == {}


SKIP_CRAWL = re.compile(r"\.(xlsx|csv|ics|pdf|json)$|^/(api/|konto/logout|aarshjul/feed/|krav/dokumentation/\d+$)")


def page_kind(path: str) -> str:
    """One representative per kind of page: /oevelser/12 and /oevelser/13 are the same page."""
    return re.sub(r"\d+", "N", path)


def test_every_page_of_every_part_with_demo_data_is_accessible(app, page, site, catalogs):
    """Crawl from the start page (as an administrator, who sees every link) and check each kind of page."""
    from register.demo.services import demo_data

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    data = demo_data()
    admin = next(u["email"] for u in data["users"] if u["role"] == "admin")
    page.goto(f"{site}/konto/login")
    page.fill("#email", admin)
    page.fill("#password", data["password"])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/")
    queue, seen, problems = ["/"], {page_kind("/")}, {}
    while queue:
        path = queue.pop(0)
        response = page.goto(site + path)
        assert response.status < 500, path
        if found := serious_violations(page):
            problems[path] = found
        hrefs = page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))")
        for href in hrefs:
            target = href.split("#")[0].split("?")[0]
            if target and not SKIP_CRAWL.search(target) and page_kind(target) not in seen:
                seen.add(page_kind(target))
                queue.append(target)
    assert len(seen) > 40, sorted(seen)  # the crawl reached every part, not just the start page
    assert problems == {}


def test_error_summary_takes_focus_so_screen_readers_announce_it(page, site, users):
    log_in(page, site)
    page.goto(f"{site}/organisation/ny")
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.classList.contains('alert-error')")
