"""The province dashboard as a person uses it: a real headless Chromium (Debian's chromium
and chromium-driver, through Selenium) against `auditor receiver serve` on 127.0.0.1,
filled by `auditor receiver demo`. Screenshots of the main pages go to test-screenshots/
(not committed). Plus the session rules checked directly: CSRF, tampered cookies, no open
redirect."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.helpers import login
from tests.pg import Cluster, why_not_available
from tests.sshd import free_port

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-screenshots"
AUDITOR = [sys.executable, "-m", "auditor.cli"]
COMMUNES = 12


class Province(NamedTuple):
    url: str
    password: str
    demo: Path  # the demo's folder: tokens, keys, trust
    db: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def province(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Province]:
    root = tmp_path_factory.mktemp("province")
    demo = root / "demo"
    cluster = None
    db = f"sqlite:///{demo}/received.db"
    if request.param == "postgresql":
        reason = why_not_available()
        if reason:
            pytest.skip(reason)
        cluster = Cluster.temporary()
        db = cluster.start()
    made = subprocess.run(
        [*AUDITOR, "receiver", "demo", str(demo), "--communes", str(COMMUNES), "--reports", "3",
         "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    port = free_port()
    server = subprocess.Popen(
        [
            *AUDITOR, "receiver", "serve", "--db", db,
            "--trust", str(demo / "trust.pem"), "--cert", str(demo / "tls-cert.pem"),
            "--key", str(demo / "tls-key.pem"), "--port", str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    password = (demo / "demo-password.txt").read_text().strip()
    try:
        yield Province(f"https://127.0.0.1:{port}", password, demo, db)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if cluster is not None:
            cluster.stop()


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--ignore-certificate-errors",  # the demo's self-signed certificate for 127.0.0.1
        "--window-size=1400,1000",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


def click_through(driver: webdriver.Chrome, element: WebElement) -> None:
    """Click something that loads a new page and wait until the new document is there."""
    driver.execute_script("window.__leaving = true")
    element.click()
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && !window.__leaving")
    )


def shot(driver: webdriver.Chrome, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def log_in(driver: webdriver.Chrome, base: str, password: str) -> None:
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys("demo")
    driver.find_element(By.ID, "password").send_keys(password)
    click_through(driver, driver.find_element(By.ID, "login"))


def test_a_province_officer_reads_the_dashboard(
    province: Province, browser: webdriver.Chrome
) -> None:
    base, password, demo, _db = province
    browser.get(base + "/heatmap")  # not logged in: sent to the login page, then back
    assert "/login" in browser.current_url and "next=%2Fheatmap" in browser.current_url
    shot(browser, "login")
    log_in(browser, base, "sai-mật-khẩu-rồi")
    assert "Sai tên đăng nhập hoặc mật khẩu" in browser.find_element(By.ID, "login-error").text

    log_in(browser, base, password)
    browser.get(base + "/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#communes tbody tr")
    assert len(rows) == COMMUNES
    assert browser.find_element(By.ID, "count").text == f"Hiển thị {COMMUNES}/{COMMUNES} xã."
    charts = browser.find_elements(By.CSS_SELECTOR, "#charts svg")
    assert len(charts) == 2 and all(c.is_displayed() and c.size["height"] > 100 for c in charts)
    assert charts[0].get_attribute("aria-label") == "Tuân thủ toàn tỉnh theo quý"
    assert "Mường La (huyện cũ)" in charts[1].text  # a bar per area, its name beside it
    shot(browser, "communes")

    browser.find_element(By.ID, "f-overdue").click()
    click_through(browser, browser.find_element(By.ID, "apply"))
    overdue = browser.find_elements(By.CSS_SELECTOR, "#communes tbody tr")
    assert "overdue=1" in browser.current_url and 0 < len(overdue) < COMMUNES
    assert all("quá hạn" in row.text for row in overdue)

    browser.get(base + "/")
    Select(browser.find_element(By.ID, "f-area")).select_by_visible_text("Mường La (huyện cũ)")
    click_through(browser, browser.find_element(By.ID, "apply"))
    in_area = browser.find_elements(By.CSS_SELECTOR, "#communes tbody td.area")
    assert "area=M%C6%B0%E1%BB%9Dng+La" in browser.current_url and 0 < len(in_area) < COMMUNES
    assert {cell.text for cell in in_area} == {"Mường La (huyện cũ)"}

    browser.get(base + "/heatmap")
    heat = browser.find_elements(By.CSS_SELECTOR, "#heatmap tbody tr")
    assert len(heat) > 40
    matrix = browser.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
    assert len(matrix) == len(heat)  # the matrix and the ranked list show the same requirements
    areas = browser.find_elements(By.CSS_SELECTOR, "#matrix thead th")
    assert "Mường La (huyện cũ)" in {a.text for a in areas}
    coloured = browser.find_elements(
        By.CSS_SELECTOR, "#matrix td.s-not_met, #matrix td.s-partly_met"
    )
    assert coloured  # some area fails some requirement in the demo province
    shot(browser, "heatmap")
    click_through(browser, heat[0].find_element(By.TAG_NAME, "a"))  # who fails the top one
    assert "failing=" in browser.current_url
    failing = browser.find_elements(By.CSS_SELECTOR, "#communes tbody tr")
    first = failing[0].find_element(By.TAG_NAME, "a")
    name = first.text
    click_through(browser, first)

    assert browser.find_element(By.ID, "commune-name").text == name
    signature = browser.find_element(By.ID, "signature")
    assert signature.get_attribute("class") == "ok" and "hợp lệ" in signature.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#reports tbody tr")) == 3
    trend = browser.find_element(By.CSS_SELECTOR, "#trend svg")
    assert trend.is_displayed() and len(trend.find_elements(By.TAG_NAME, "polyline")) == 3
    shot(browser, "commune")
    browser.find_element(By.ID, "bundle").click()
    downloads: Path = browser.downloads  # type: ignore[attr-defined]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(downloads.glob("*.zip")):
        time.sleep(0.2)
    (bundle,) = downloads.glob("*.zip")
    subprocess.run(["unzip", "-q", "-o", str(bundle), "-d", str(downloads / "b")], check=True)
    verified = subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(downloads / "b" / "report.json.p7s"),
            "-content", str(downloads / "b" / "report.json"),
            "-CAfile", str(demo / "trust.pem"), "-purpose", "any", "-out", os.devnull,
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr

    browser.get(base + "/heatmap")
    browser.find_element(By.ID, "export-heat-xlsx").click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (downloads / "heatmap.xlsx").exists():
        time.sleep(0.2)
    sheet = load_workbook(downloads / "heatmap.xlsx").active
    assert sheet is not None and sheet["A1"].value == "Yêu cầu" and sheet.max_row > 40

    click_through(browser, browser.find_element(By.ID, "nav-admin"))
    browser.find_element(By.ID, "new-username").send_keys("canbo-xem")
    browser.find_element(By.ID, "new-password").send_keys("mật-khẩu-của-cán-bộ")
    click_through(browser, browser.find_element(By.ID, "add-user"))
    assert browser.find_element(By.ID, "notice").text == "Đã tạo tài khoản."
    assert "canbo-xem" in browser.find_element(By.ID, "accounts").text
    shot(browser, "admin")

    browser.get(base + "/?lang=en")
    assert (
        browser.find_element(By.ID, "count").text == f"Showing {COMMUNES} of {COMMUNES} communes."
    )
    click_through(browser, browser.find_element(By.ID, "logout"))
    browser.get(base + "/")
    assert "/login" in browser.current_url


def test_session_rules(province: Province) -> None:
    import httpx

    base, password, _, _ = province
    with httpx.Client(base_url=base, verify=False, follow_redirects=False) as client:
        sent = login(client, {"username": "demo", "password": password, "next": "//evil.example"})
        assert sent.status_code == 303 and sent.headers["location"] == "/"  # no open redirect
        cookie = sent.cookies["province_session"]
        assert "httponly" in sent.headers["set-cookie"].lower()
        assert "samesite=strict" in sent.headers["set-cookie"].lower()
        assert client.get("/").status_code == 200
        assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
        tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
        client.cookies.set("province_session", tampered)
        assert client.get("/").status_code == 303  # back to the login page
        assert client.get("/reports/../../etc/passwd/bundle.zip").status_code in (303, 404)

    with httpx.Client(base_url=base, verify=False, follow_redirects=False) as admin:
        login(admin, {"username": "demo", "password": password})
        csv = admin.get("/export/communes.csv?overdue=1")
        assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbfX\xc3\xa3,")
        assert csv.headers["cache-control"] == "no-store"  # exports never stay in a cache
        missing = admin.get("/reports/khong-co/bundle.zip")
        assert missing.status_code == 404 and "Không có trang hoặc báo cáo này" in missing.text
        assert admin.get("/export/khac.csv").status_code == 404
        listed = admin.get("/").text
        commune = listed.split('href="/communes/', 1)[1].split('"', 1)[0]
        page_of_commune = admin.get(f"/communes/{commune}").text
        report_id = page_of_commune.split('href="/reports/', 1)[1].split("/", 1)[0]
        zipped = admin.get(f"/reports/{report_id}/bundle.zip")
        assert zipped.status_code == 200 and zipped.headers["cache-control"] == "no-store"
        shown = admin.get(f"/reports/{report_id}/html")
        assert shown.headers["cache-control"] == "no-store"
        assert shown.headers["content-security-policy"].startswith("default-src 'none'")
        assert admin.post("/admin", data={"action": "add-user"}).status_code == 403  # no CSRF
        page = admin.get("/admin").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        made = admin.post(
            "/admin",
            data={"csrf": csrf, "action": "add-user", "username": "chi-xem",
                  "password": "một-mật-khẩu-dài", "role": "viewer"},
        )  # fmt: skip
        assert made.status_code == 200 and "Đã tạo tài khoản." in made.text
    with httpx.Client(base_url=base, verify=False, follow_redirects=False) as viewer:
        login(viewer, {"username": "chi-xem", "password": "một-mật-khẩu-dài"})
        assert viewer.get("/").status_code == 200
        refused = viewer.get("/admin")
        assert refused.status_code == 403  # a viewer manages nothing, and is told so
        assert "không có quyền quản trị" in refused.text
        assert "&#34;" not in refused.text and '"DejaVu Sans"' in refused.text  # CSS as written


def test_signature_column_near_miss_an_untrusted_signer(tmp_path: Path) -> None:
    """The communes table says which latest reports hold their signature: a commune whose
    certificate the province no longer trusts shows as not valid, the others as valid."""
    from cryptography import x509

    from auditor.receiver.demo import make_demo
    from auditor.receiver.province import commune_rows
    from auditor.receiver.store import open_store

    demo = make_demo(tmp_path / "demo", communes=3, reports=2)
    anchors = x509.load_pem_x509_certificates(demo.trust.read_bytes())
    engine = open_store(demo.db_url)
    trusted = commune_rows(engine, anchors)
    assert [r.signature_ok for r in trusted] == [True, True, True]
    dropped = anchors[0].subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value
    partly = {r.name: r.signature_ok for r in commune_rows(engine, anchors[1:])}
    assert partly.pop(dropped) is False and set(partly.values()) == {True}


@pytest.mark.parametrize(
    ("latest", "today", "overdue"),
    [
        ("2026-09-20", "2026-11-30", False),  # Q3's report, due 15/10, came in Q3
        ("2026-06-30", "2026-11-30", True),  # the last report is Q2's: Q3's is missing
        ("2026-06-30", "2026-10-14", False),  # near miss: Q3's report is not due yet
        ("2026-06-30", "2026-10-15", True),  # due today and still missing
        ("2025-12-20", "2026-01-20", False),  # across the year: Q4 2025 covered
    ],
)
def test_overdue_follows_the_quarterly_calendar(latest: str, today: str, overdue: bool) -> None:
    import datetime as dt

    from auditor.receiver.province import quarter_overdue

    moment = dt.datetime.fromisoformat(latest + "T03:00:00+00:00")
    assert quarter_overdue(moment, 15, dt.date.fromisoformat(today)) is overdue


def _areas_shown(page: str) -> list[str]:
    """The area cell of every commune row of the communes page."""
    return [cell.split("<", 1)[0] for cell in page.split('<td class="area">')[1:]]


def test_communes_are_filtered_by_area_and_admins_set_areas(
    province: Province,
) -> None:
    """Districts ended in 2025: the province groups communes into its own areas, set in the
    registry (admin page or CLI) and used as a filter that the exports keep."""
    import httpx

    base, password, demo, db = province
    with httpx.Client(base_url=base, verify=False, follow_redirects=False) as admin:
        login(admin, {"username": "demo", "password": password})
        every = _areas_shown(admin.get("/").text)
        assert len(every) == COMMUNES and "Mai Sơn (huyện cũ)" in every
        page = admin.get("/", params={"area": "Mai Sơn (huyện cũ)"}).text
        assert _areas_shown(page) == ["Mai Sơn (huyện cũ)"] * every.count("Mai Sơn (huyện cũ)")
        assert 'id="f-area"' in page and "Mọi khu vực" in page
        assert _areas_shown(admin.get("/", params={"area": "Mai Sơn"}).text) == []  # exact
        by_area = _areas_shown(admin.get("/", params={"sort": "area"}).text)
        assert by_area == sorted(by_area)

        csrf = admin.get("/admin").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        name = f"UBND xã {demo.name}"  # not registered: refused with its name
        refused = admin.post("/admin", data={"csrf": csrf, "action": "set-area", "name": name})
        assert "Không có xã" in refused.text
        tokens = sorted((demo / "tokens.json").read_text().split('"UBND xã ')[1:])
        name = "UBND xã " + tokens[-1].split('"', 1)[0]
        hostile = "<b>Biên giới</b>"
        data = {"csrf": csrf, "action": "set-area", "name": name, "area": f"  {hostile}  "}
        changed = admin.post("/admin", data=data)
        assert "Đã cập nhật khu vực." in changed.text
        page = admin.get("/", params={"area": hostile}).text
        assert _areas_shown(page) == ["&lt;b&gt;Biên giới&lt;/b&gt;"]  # escaped, trimmed
        csv = admin.get("/export/communes.csv", params={"area": hostile}).content.decode()
        lines = csv.lstrip("\ufeff").splitlines()
        assert lines[0].split(",")[:2] == ["Xã", "Khu vực"] and len(lines) == 2
        assert lines[1].startswith(f"{name},{hostile},")

    made = subprocess.run(
        [*AUDITOR, "receiver", "commune", "set-area", name, "", "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    with httpx.Client(base_url=base, verify=False) as viewer:
        login(viewer, {"username": "demo", "password": password})
        assert _areas_shown(viewer.get("/", params={"area": hostile}).text) == []


def test_admin_resets_a_stolen_token_and_revokes_a_commune(
    province: Province,
) -> None:
    import json

    import httpx

    base, password, demo, _db = province
    tokens = json.loads((demo / "tokens.json").read_text())
    name = sorted(tokens)[0]
    old = tokens[name]["token"]

    def upload_status(client: httpx.Client, token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return client.post("/api/reports", content=b"{}", headers=headers).status_code

    with httpx.Client(base_url=base, verify=False, follow_redirects=False) as admin:
        assert upload_status(admin, old) != 401  # the token is accepted (the body is not)
        login(admin, {"username": "demo", "password": password})
        csrf = admin.get("/admin").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        reset = admin.post("/admin", data={"csrf": csrf, "action": "reset-token", "name": name})
        assert "Đã cấp mã tải lên mới" in reset.text
        new = reset.text.split('<p id="token">', 1)[1].split("<code>", 1)[1].split("<", 1)[0]
        assert upload_status(admin, old) == 401 and upload_status(admin, new) != 401
        revoked = admin.post("/admin", data={"csrf": csrf, "action": "revoke", "name": name})
        assert "Đã thu hồi" in revoked.text
        assert upload_status(admin, new) == 401
        assert name in admin.get("/").text  # its reports stay on the dashboard


def test_the_rows_kept_between_page_views_follow_the_day(tmp_path: Path) -> None:
    """The communes' figures are computed once per listing and per day: a view a year later
    sees every commune overdue, and the next view of today is today's again."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from auditor.receiver.demo import make_demo
    from auditor.receiver.province import _figures, _listing
    from auditor.receiver.store import open_store

    demo = make_demo(tmp_path / "demo", communes=6, reports=1)
    with Session(open_store(demo.db_url)) as session:
        by_commune = _listing(session)
    today = dt.datetime.now(dt.UTC)
    now = [r.overdue for r in _figures(by_commune, today)]
    assert not all(now)  # some communes reported this quarter
    later = [r.overdue for r in _figures(by_commune, today + dt.timedelta(days=400))]
    assert all(later)
    assert [r.overdue for r in _figures(by_commune, today)] == now
    # kept between page views for the same listing and day, made again on the next day
    from auditor.receiver.province import _per_listing

    made = []
    for day in (today.date(), today.date(), today.date() + dt.timedelta(days=1)):
        _per_listing("test-rows", by_commune, (day,), lambda d=day: made.append(d) or len(made))
    assert len(made) == 2


def test_sessions_end_with_their_account_and_logins_cannot_flood(province: Province) -> None:
    import httpx

    base, password, _, _ = province
    with httpx.Client(base_url=base, verify=False, follow_redirects=False) as admin:
        sent = login(admin, {"username": "demo", "password": password})
        assert sent.status_code == 303
        page = admin.get("/admin")
        assert page.headers["cache-control"] == "no-store"
        assert "max-age" in page.headers["strict-transport-security"]
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        made = admin.post(
            "/admin",
            data={"csrf": csrf, "action": "add-user", "username": "tam-thoi",
                  "password": "mat-khau-tam-thoi-2026", "role": "admin"},
        )  # fmt: skip
        assert made.status_code == 200
        with httpx.Client(base_url=base, verify=False, follow_redirects=False) as other:
            assert login(other, {"username": "tam-thoi", "password": "mat-khau-tam-thoi-2026"})
            cookie = other.cookies["province_session"]
            other_page = other.get("/admin").text
            other_csrf = other_page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            removed = admin.post(
                "/admin", data={"csrf": csrf, "action": "remove", "username": "tam-thoi"}
            )
            assert removed.status_code == 200 and "Đã xóa tài khoản" in removed.text
            # the removed admin's cookie creates nobody and reads nothing
            attempt = other.post(
                "/admin",
                data={"csrf": other_csrf, "action": "add-user", "username": "ke-gian",
                      "password": "mat-khau-ke-gian-2026", "role": "admin"},
            )  # fmt: skip
            assert attempt.status_code == 303 and "/login" in attempt.headers["location"]
            other.cookies.set("province_session", cookie)
            assert other.get("/").status_code == 303
        assert "ke-gian" not in admin.get("/admin").text
        # logout ends the session on the server: the old cookie is worth nothing after it
        old = admin.cookies["province_session"]
        admin.post("/logout", data={"csrf": csrf})
        admin.cookies.set("province_session", old)
        assert admin.get("/").status_code == 303
    with httpx.Client(base_url=base, verify=False, follow_redirects=False) as stranger:
        forged = stranger.post("/login", data={"username": "demo", "password": password})
        assert forged.status_code == 403  # no CSRF pair: a login posted from another site
        codes = [login(stranger, {"username": "khong-co", "password": "x"}) for _ in range(14)]
        statuses = [r.status_code for r in codes]
        assert statuses[0] == 401 and 429 in statuses
        assert int(codes[statuses.index(429)].headers["retry-after"]) >= 1
        nul = login(stranger, {"username": "de\x00mo", "password": password})
        assert nul.status_code in (401, 429)  # never a 500, on either database


def test_lows_names_with_slashes_and_controls_titles_from_the_province_and_fresh_lists(
    tmp_path: Path,
) -> None:
    """A commune named with "/" has a page; a control character in a name does not break
    the XLSX export; heat-map titles come from the province's own pack, never a commune's
    report; revoking one commune and adding another changes the list."""
    from starlette.testclient import TestClient

    from auditor.receiver import province as prov
    from auditor.receiver.app import create_app
    from auditor.receiver.demo import make_demo
    from auditor.receiver.store import add_commune, open_store, revoke_commune

    demo = make_demo(tmp_path / "demo", communes=3, reports=1)
    engine = open_store(demo.db_url)
    add_commune(engine, "UBND xã A/B", "ab" * 32)
    add_commune(engine, "UBND xã Lạ\x07", "cd" * 32)
    app = create_app(demo.db_url, [])
    with TestClient(app, base_url="https://testserver") as client:
        login(client, {"username": "demo", "password": demo.password_file.read_text().strip()})
        page = client.get("/communes/" + quote("UBND xã A/B", safe=""))
        # the route takes the whole name: our page (no report yet), not the router's 404
        assert page.status_code == 404 and "<html" in page.text.lower()
        assert client.get("/communes/no/such/commune").text != "Not Found"
        book = client.get("/export/communes.xlsx")
        assert book.status_code == 200
        names = [c.value for c in load_workbook(BytesIO(book.content)).active["A"]]
        assert "UBND xã Lạ\\u0007" in names
    rows = prov.commune_rows(engine)
    listed = prov.reports_of(engine, next(r.name for r in rows if r.report_id))
    assert listed and not hasattr(listed[0], "content")  # a page lists, it does not load
    heat = prov.heat_map(rows, "vi")
    pack = prov._province_pack("nd85-level2")
    assert pack is not None and heat
    for row in heat:
        assert row.title == pack[row.requirement][0].vi
    # the matrix: requirements × areas, each cell the area's failing / reporting communes
    areas, matrix = prov.heat_matrix(heat, rows, "Chưa phân địa bàn")
    reporting = sum(1 for r in rows if r.report_id)
    assert len(matrix) == len(heat) and areas
    for line, cells in matrix:
        assert sum(c.failing for c in cells) == len(line.failing)
        assert sum(c.reporting for c in cells) == reporting
        for cell in cells:
            expected = (
                "none" if not cell.reporting
                else "met" if cell.failing == 0
                else "not_met" if cell.failing == cell.reporting
                else "partly_met"
            )  # fmt: skip
            assert cell.status == expected
    before = {r.name for r in prov.commune_rows(engine)}
    revoke_commune(engine, "UBND xã A/B")
    add_commune(engine, "UBND xã Mới", "ef" * 32)
    after = {r.name for r in prov.commune_rows(engine)}
    assert "UBND xã Mới" in after and after != before


def test_the_list_pages_names_signers_and_explains_its_arrows(tmp_path: Path) -> None:
    """205 communes in pages of 100; the signer by the certificate's name, not its DN; the
    trend arrow explained; a commune's plan judged overdue on the day it is viewed."""
    from starlette.testclient import TestClient

    from auditor.receiver.app import create_app
    from auditor.receiver.dashboard import signer_name
    from auditor.receiver.demo import make_demo
    from auditor.receiver.store import add_commune, open_store

    demo = make_demo(tmp_path / "demo", communes=3, reports=1)
    engine = open_store(demo.db_url)
    for n in range(202):
        add_commune(engine, f"UBND xã Thêm {n:03d}", f"{n:064x}")
    app = create_app(demo.db_url, [])
    with TestClient(app, base_url="https://testserver") as client:
        login(client, {"username": "demo", "password": demo.password_file.read_text().strip()})
        first = client.get("/").text
        assert first.count('href="/communes/') == 100
        assert "Trang 1/3 (205 xã)" in first and 'rel="next"' in first and 'rel="prev"' not in first
        assert "↑ số yêu cầu đạt tăng so với báo cáo trước" in first
        last = client.get("/?page=3").text
        assert last.count('href="/communes/') == 5 and "Trang 3/3" in last
        assert "Trang 3/3" in client.get("/?page=999").text  # past the end: the last page
        assert "Trang 1/3" in client.get("/?page=abc").text
        assert ">CN=" not in first and "(commune-auditor)</td>" in first  # by name, DN on hover
    assert signer_name("CN=Nguyễn Văn An,O=UBND xã Thử,C=VN") == "Nguyễn Văn An"
    assert signer_name("O=UBND xã Thử,C=VN") == "O=UBND xã Thử,C=VN"  # no CN: as stored
    assert signer_name("not a DN ===") == "not a DN ==="


def test_a_commune_plan_is_judged_overdue_on_the_day_it_is_viewed() -> None:
    """The report said "not overdue" on its own day; viewed a month later the item is late,
    unless its risk was accepted."""
    import datetime as dt

    from auditor.receiver.dashboard import late_today
    from auditor.report.model import PlanItem

    def item(status: str, due: dt.date) -> PlanItem:
        return PlanItem(
            id=1, asset_id="pc1", requirement="L2-CFG-FW-01", severity="high",
            status=status, owner=None, due=due, overdue=False,
        )  # fmt: skip

    today = dt.date(2026, 12, 6)
    rows = late_today(
        [
            item("open", dt.date(2026, 11, 30)),
            item("waived", dt.date(2026, 11, 30)),
            item("open", dt.date(2026, 12, 6)),
        ],
        today,
    )
    assert [late for _, late in rows] == [True, False, False]  # due today is not yet late


def test_the_province_charts_tell_what_the_reports_say(tmp_path: Path) -> None:
    """The quarters' figures and the areas' bars agree with the stored reports themselves
    (parsed here, independently of their digests); a report made after a quarter's end is
    not counted in it; reports received before digests existed are digested on the first
    listing and read the same; an unreadable one is left out, not fatal."""
    import datetime as dt
    from collections import Counter

    from sqlalchemy import delete, select, update
    from sqlalchemy.orm import Session
    from starlette.testclient import TestClient

    from auditor.receiver import province as prov
    from auditor.receiver.app import create_app
    from auditor.receiver.demo import make_demo
    from auditor.receiver.store import Commune, Received, ReportDigest, open_store
    from auditor.report.model import parse_report
    from auditor.report.official import vn_date

    demo = make_demo(tmp_path / "demo", communes=5, reports=3)
    engine = open_store(demo.db_url)
    with Session(engine) as session:
        stored = [
            (org, parse_report(content))
            for org, content in session.execute(select(Received.organisation, Received.content))
        ]
        area = dict(session.execute(select(Commune.name, Commune.area)).all())
    today = vn_date(dt.datetime.now(dt.UTC))

    def latest_by(day: dt.date) -> dict[str, object]:
        found: dict[str, object] = {}
        for org, report in sorted(stored, key=lambda s: s[1].generated_at):
            if vn_date(report.generated_at) <= day:
                found[org] = report
        return found

    quarters = prov.province_quarters(engine)
    now = quarters[-1]
    expected: Counter[str] = Counter()
    for report in latest_by(today).values():
        expected.update(report.evaluation.summary.counts)  # type: ignore[attr-defined]
    assert now.counts == dict(expected)
    assert now.met_share == round(100 * expected["met"] / sum(expected.values()))
    # the quarter before: its last day, not today (a report of this quarter is not in it)
    first_of_quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    earlier = latest_by(first_of_quarter - dt.timedelta(days=1))
    before = quarters[-2]
    assert sum(before.counts.values()) == sum(
        sum(r.evaluation.summary.counts.values())  # type: ignore[attr-defined]
        for r in earlier.values()
    )
    assert (before.quarter, before.year) != (now.quarter, now.year)

    rows = prov.commune_rows(engine)
    totals = dict(prov.area_totals(rows, "Chưa phân địa bàn"))
    by_area: dict[str, Counter[str]] = {}
    for org, report in latest_by(today).items():
        by_area.setdefault(area[org] or "Chưa phân địa bàn", Counter()).update(
            report.evaluation.summary.counts  # type: ignore[attr-defined]
        )
    assert totals == {a: dict(c) for a, c in by_area.items()}

    # reports stored before digests existed: digested on the next listing, figures the same
    with Session(engine) as session:
        session.execute(delete(ReportDigest))
        victim = session.scalars(select(Received.report_id).limit(1)).one()
        session.execute(
            update(Received).where(Received.report_id == victim).values(content=b"{not json")
        )
        session.commit()
    prov._LISTING.clear()
    prov._DIGESTS.clear()
    again = {r.name: r for r in prov.commune_rows(engine)}
    with Session(engine) as session:
        assert (
            session.scalar(select(ReportDigest.digest).where(ReportDigest.report_id == victim))
            == "{}"
        )
        assert len(session.scalars(select(ReportDigest.report_id)).all()) == len(stored)
    for row in rows:
        if row.report_id != victim:
            assert again[row.name].counts == row.counts

    name = next(r.name for r in rows if r.report_id and r.report_id != victim)
    app = create_app(demo.db_url, [])
    with TestClient(app, base_url="https://testserver") as client:
        login(client, {"username": "demo", "password": demo.password_file.read_text().strip()})
        page = client.get("/communes/" + quote(name, safe="")).text
        points = prov.commune_trend(engine, name)
        met = [d.counts.get("met", 0) for _, d in points]
        assert 'id="trend"' in page and len(points) == 3
        for value in met:  # every report's figure written beside its point
            assert f">{value}</text>" in page
        front = client.get("/").text
        assert 'id="charts"' in front and "Quý " in front
