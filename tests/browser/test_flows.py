"""Each role signs in and does its main work in a real browser; every main
page passes an automated accessibility check and is photographed at phone
and desktop width (build/screenshots/)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import serious_violations, shoot, sign_in

ROLES = {
    "chief.caophong": "/c/cao-phong/",
    "officer.caophong": "/c/cao-phong/",
    "health.caophong": "/c/cao-phong/",
    "hamlet.caophong": "/c/cao-phong/",
    "committee.caophong": "/c/cao-phong/",
    "viewer.caophong": "/c/cao-phong/",
    "admin.phutho": "/",
}


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_role_signs_in_and_lands_where_it_works(
    phone: Any, live_url: str, username: str
) -> None:
    page = sign_in(phone, live_url, username)
    assert page.url == live_url + ROLES[username]
    assert username in page.content()
    assert serious_violations(page) == [], username
    shoot(page, f"home-{username}")


def test_the_main_pages_are_accessible_at_both_widths(
    phone: Any, desktop: Any, live_url: str
) -> None:
    for context in (phone, desktop):
        page = sign_in(context, live_url, "chief.caophong")
        shoot(page, "dashboard")
        for path, name in (
            ("/c/cao-phong/people/", "people"),
            ("/c/cao-phong/work/?scope=commune", "work-list"),
            ("/c/cao-phong/people/past-end", "past-end"),
            ("/c/cao-phong/admin", "administration"),
            ("/c/cao-phong/figures", "figures"),
        ):
            page.goto(live_url + path)
            assert serious_violations(page) == [], path
            shoot(page, name)
        page.goto(live_url + "/c/cao-phong/people/")
        page.locator("ul.list a").first.click()
        assert serious_violations(page) == [], "a person's file"
        shoot(page, "person")
        page.locator("ul.list a[href*='/cases/']").first.click()
        assert serious_violations(page) == [], "a case"
        shoot(page, "case")
    login = desktop.new_page()
    login.goto(live_url + "/login")
    assert serious_violations(login) == []
    shoot(login, "login")


def test_an_officer_finds_a_person_and_records_a_contact_seen_on_the_timeline(
    phone: Any, live_url: str
) -> None:
    page = sign_in(phone, live_url, "officer.caophong")
    page.get_by_role("link", name="Người trong diện quản lý", exact=True).click()
    first = page.locator("ul.list a strong").first.inner_text()
    # Searched without diacritics, in lower case: the form posts the words.
    plain = first.lower().translate(
        str.maketrans(
            "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ",
            "aaaaaaaaaaaaaaaaadeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy",
        )
    )
    page.get_by_label("Họ tên, có dấu hoặc không dấu").fill(plain)
    page.get_by_role("button", name="Tìm").click()
    assert "search" in page.url and plain not in page.url
    page.get_by_role("link", name=re.compile(re.escape(first))).first.click()

    page.get_by_text("Ghi nhận lần gặp gỡ").click()
    page.get_by_label("Hình thức").select_option("visit")
    page.get_by_label("Lần thăm gặp đã kiểm tra nơi cư trú").check()
    page.get_by_label("Ghi chú riêng").fill("Gặp tại nhà, đang phụ giúp gia đình")
    page.get_by_role("button", name="Ghi nhận", exact=True).click()
    assert "Đã ghi nhận lần gặp gỡ." in page.content()
    timeline = page.locator("ol.timeline").inner_text()
    assert "Thăm gặp" in timeline and "đã kiểm tra cư trú" in timeline
    shoot(page, "officer-recorded-a-contact")


def test_a_chief_changes_a_tier_with_a_reason(desktop: Any, live_url: str) -> None:
    page = sign_in(desktop, live_url, "chief.caophong")
    page.goto(live_url + "/c/cao-phong/people/?tier=1")
    page.locator("ul.list a").first.click()
    page.get_by_text("Xếp lại tầng").click()
    # A refusal first: a reason too short to keep; the page says what to fix
    # beside the field, and keeps the form open.
    page.locator("#f-tier").select_option("2")
    page.get_by_label("Lý do").fill("vì")
    page.get_by_role("button", name="Ghi nhận xếp tầng").click()
    assert page.locator("#refusal").is_visible()
    assert page.locator("#e-reason").is_visible(), page.locator("#refusal").inner_text()
    page.locator("#f-tier").select_option("2")
    page.get_by_label("Lý do").fill("Xác định nghiện, gia đình đồng ý cai tại nhà")
    page.get_by_role("button", name="Ghi nhận xếp tầng").click()
    assert "Đã ghi nhận việc xếp tầng." in page.content()
    history = page.locator("#tier ~ ul.list").first.inner_text()
    assert "Tầng 2" in history and "cai tại nhà" in history
    shoot(page, "chief-changed-a-tier")


def test_a_health_worker_records_a_positive_test_that_reaches_the_officer(
    phone: Any, desktop: Any, live_url: str
) -> None:
    page = sign_in(phone, live_url, "health.caophong")
    page.get_by_role("link", name="Xét nghiệm đến hạn").first.click()
    assert serious_violations(page) == [], "the tests due"
    shoot(page, "tests-due")
    row = page.locator("ul.list li").first
    name = row.locator("strong").first.inner_text()
    row.get_by_role("link", name="Ghi kết quả").click()
    assert serious_violations(page) == [], "the result form"
    page.get_by_label("Địa điểm").fill("Trạm Y tế xã Cao Phong")
    page.get_by_label("Mã mẫu").fill("XN-TRINH-DUYET-01")
    page.locator("[id='f-substances.methamphetamine']").select_option("positive")
    page.get_by_label("Người lấy mẫu").fill("Y sĩ Bùi Thị Lan")
    page.get_by_label("Người đọc kết quả").fill("Bác sĩ Hà Văn Minh")
    shoot(page, "test-result")
    page.get_by_role("button", name="Ghi kết quả").click()
    assert "Đã ghi kết quả." in page.content()

    # The review reaches the person's officer (the demo runs its jobs in the
    # server's process), and the tap leads to the person's file.
    officer = sign_in(desktop, live_url, "officer.caophong")
    officer.goto(live_url + "/c/cao-phong/work/")
    item = officer.locator("ul.list li").filter(has_text="Xét nghiệm dương tính")
    item = item.filter(has_text=name).first
    assert item.is_visible()
    item.get_by_role("link", name="Làm ngay").click()
    assert officer.url.endswith("#timeline")
    assert "dương tính" in officer.locator("#timeline").locator("..").inner_text()
    shoot(officer, "officer-sees-a-positive-test")


def test_a_health_worker_opens_a_dispensing_points_day(
    phone: Any, live_url: str
) -> None:
    page = sign_in(phone, live_url, "health.caophong")
    page.goto(live_url + "/c/cao-phong/methadone/")
    page.locator("ul.list a").first.click()
    assert page.locator("select[name='rows[0].status']").is_visible()
    assert serious_violations(page) == [], "a point's day"
    shoot(page, "methadone-day")


def test_a_chief_opens_a_compulsory_rehab_dossier_on_a_phone(
    phone: Any, live_url: str
) -> None:
    page = sign_in(phone, live_url, "chief.caophong")
    page.goto(live_url + "/c/cao-phong/compulsory-rehab/")
    assert serious_violations(page) == [], "the dossiers"
    page.locator("ul.list a").first.click()
    assert page.locator("#documents").is_visible()
    assert page.locator("#submission").is_visible()
    assert serious_violations(page) == [], "a dossier"
    # Nothing wider than the phone: no sideways scrolling at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "compulsory-rehab-dossier")


def test_an_officer_opens_the_outreach_calendar_and_the_counselling_log(
    phone: Any, live_url: str
) -> None:
    page = sign_in(phone, live_url, "officer.caophong")
    page.locator("nav.commune-nav a", has_text="Tuyên truyền").click()
    page.locator("ul.list a").first.click()
    assert page.locator("dl.facts").is_visible()
    assert serious_violations(page) == [], "an outreach session"
    page.locator("a.button", has_text="Sửa").click()
    assert page.locator("input[name='place']").is_visible()
    assert serious_violations(page) == [], "an outreach session's form"
    shoot(page, "outreach-session-form")
    page.goto(live_url + "/c/cao-phong/outreach/")
    assert serious_violations(page) == [], "the outreach calendar"
    shoot(page, "outreach-calendar")
    page.locator("nav.commune-nav a", has_text="Tư vấn").click()
    assert page.locator("ul.list a").count() >= 2
    assert serious_violations(page) == [], "the counselling log"
    shoot(page, "counselling-log")


def test_a_resident_sends_a_tip_and_answers_the_officers_question(
    phone: Any, desktop: Any, live_url: str
) -> None:
    # The resident has no account: the form is a plain page on their phone.
    page = phone.new_page()
    page.goto(live_url + "/c/cao-phong/tips/new")
    assert serious_violations(page) == [], "the tip form"
    shoot(page, "tip-form")
    page.get_by_label("Tin báo về việc gì?").select_option("place")
    page.get_by_label("Sự việc").fill(
        "Chiều nay có ba người lạ tụ tập dưới gầm cầu tràn, để lại bơm kim tiêm."
    )
    # The page refuses a form sent back within a few seconds of loading it
    # (a bot's speed); a person takes longer than that.
    page.wait_for_timeout(4500)
    page.get_by_role("button", name="Gửi tin báo").click()
    assert "Đã nhận tin báo" in page.content()
    codes = page.locator("strong.code").all_inner_texts()
    receipt, passphrase = codes[0], codes[1]
    shoot(page, "tip-receipt")

    officer = sign_in(desktop, live_url, "officer.caophong")
    officer.goto(live_url + "/c/cao-phong/tips/")
    assert serious_violations(officer) == [], "the triage desk"
    officer.locator("tbody a").first.click()
    assert "gầm cầu tràn" in officer.content()
    officer.get_by_label("Câu hỏi gửi người báo tin").fill(
        "Họ thường đến vào khoảng mấy giờ?"
    )
    officer.get_by_role("button", name="Hỏi").click()
    assert serious_violations(officer) == [], "a tip"
    shoot(officer, "tip-asked")

    page.goto(live_url + "/c/cao-phong/tips/receipt")
    page.get_by_label("Mã biên nhận").fill(receipt)
    page.get_by_label("Mật khẩu").fill(passphrase)
    page.get_by_role("button", name="Mở").click()
    assert "Họ thường đến vào khoảng mấy giờ?" in page.content()
    assert serious_violations(page) == [], "the receipt page"
    page.get_by_label("Câu trả lời của bạn").fill("Khoảng 5 giờ chiều, đi xe máy.")
    page.get_by_role("button", name="Gửi câu trả lời").click()
    assert "Khoảng 5 giờ chiều" in page.content()
    shoot(page, "tip-answered")

    officer.reload()
    assert "Khoảng 5 giờ chiều, đi xe máy." in officer.content()


def test_a_region_admin_reads_the_regions_figures_and_builds_a_report(
    desktop: Any, live_url: str
) -> None:
    page = sign_in(desktop, live_url, "admin.phutho")
    page.goto(live_url + "/regions/25/figures")
    assert page.locator("h1").inner_text().endswith("Phú Thọ")
    assert serious_violations(page) == [], "the region's figures"
    shoot(page, "region-figures")
    page.fill("#f-period", "2026-Q3")
    page.select_option("#f-format", "pdf")
    page.get_by_role("button", name="Lập báo cáo").click()
    # The demo runs its jobs in the server's own process: the report is done
    # by the time the page comes back, and offers its download.
    download = page.locator("#reports a.button").first
    assert download.get_attribute("href").endswith("/file")
    with page.expect_download() as fetched:
        download.click()
    assert fetched.value.suggested_filename.endswith(".pdf")


def test_the_pages_switch_to_english_and_back(phone: Any, live_url: str) -> None:
    page = sign_in(phone, live_url, "officer.caophong")
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("link", name="Work list").is_visible()
    page.get_by_role("button", name="Tiếng Việt").click()
    assert page.get_by_role("link", name="Việc cần làm").is_visible()


def test_the_app_can_be_installed_and_keeps_no_page_offline(
    phone: Any, live_url: str
) -> None:
    page = sign_in(phone, live_url, "officer.caophong")
    manifest = page.evaluate(
        "async () => (await fetch(document.querySelector('link[rel=manifest]')"
        ".href)).json()"
    )
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    registered = page.evaluate(
        "async () => (await navigator.serviceWorker.ready).active.scriptURL"
    )
    assert registered.endswith("/sw.js")
    cached = page.evaluate(
        "async () => { const keys = await caches.keys();"
        " const all = [];"
        " for (const k of keys) { for (const r of await (await caches.open(k))"
        ".keys()) { all.push(new URL(r.url).pathname); } }"
        " return all; }"
    )
    assert cached and all(
        path.startswith("/static/") or path == "/offline" for path in cached
    ), cached
