"""The dossier's summary as a PDF the commune prints and signs: the
person, the documents with who prepared them and when, the steps with
their deadlines, and places for signatures.

Drawn with fpdf2 in DejaVu Sans (shipped by core), which has every
Vietnamese letter; the page is in Vietnamese, the language of the papers.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from core.toolkit import SANS_BOLD_FONT, SANS_FONT, Person
from plugins.compulsory_rehab import rules, service
from plugins.compulsory_rehab.models import Document, Dossier

logger = logging.getLogger(__name__)

STATUS_VI = {
    "preparing": "Đang lập hồ sơ",
    "submitted": "Đã gửi hồ sơ",
    "hearing": "Tòa án đang xem xét",
    "decided": "Đã có quyết định",
    "refused": "Tòa án không chấp nhận",
    "admitted": "Đang ở cơ sở cai nghiện",
    "released": "Đã chấp hành xong",
}
AGE_VI = {"adult": "Người thành niên", "minor": "Từ đủ 12 đến dưới 18 tuổi"}
MANAGER_VI = {
    "commune": "UBND xã quản lý tại nơi cư trú",
    "facility": "Tạm ở cơ sở cai nghiện (không có nơi cư trú ổn định)",
}


def _day(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "-"


def render(
    dossier: Dossier, person: Person, documents: list[Document], commune: Any
) -> bytes:
    """The summary of ``dossier`` as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(SANS_FONT))
    pdf.add_font("DejaVu", "B", str(SANS_BOLD_FONT))
    pdf.set_title("Tóm tắt hồ sơ đề nghị cai nghiện bắt buộc")
    pdf.add_page()

    half = pdf.epw / 2
    pdf.set_font("DejaVu", "B", 10)
    top = pdf.get_y()
    pdf.multi_cell(half, 5, f"UBND {commune.name}", align="C", new_x="LMARGIN")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(
        half,
        5,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 13)
    _line(pdf, "TÓM TẮT HỒ SƠ ĐỀ NGHỊ ÁP DỤNG BIỆN PHÁP", "C")
    _line(pdf, "ĐƯA VÀO CƠ SỞ CAI NGHIỆN BẮT BUỘC", "C")
    pdf.ln(4)

    pdf.set_font("DejaVu", "", 11)
    facts = [
        ("Họ và tên", person.full_name),
        ("Ngày sinh", _day(person.date_of_birth)),
        ("Độ tuổi", AGE_VI.get(dossier.age_group or "", "-")),
        ("Văn bản pháp luật áp dụng", dossier.ruleset),
        ("Tình trạng hồ sơ", STATUS_VI[dossier.status.value]),
        ("Ngày bắt đầu lập hồ sơ", _day(dossier.opened_on)),
        ("Ngày gửi hồ sơ", _day(dossier.submitted_on)),
        (
            "Quản lý trong thời gian chờ quyết định",
            MANAGER_VI.get(dossier.pending_manager or "", "-"),
        ),
        ("Tòa án", dossier.court or "-"),
        ("Quyết định số", dossier.decision_number or "-"),
        ("Thời hạn", f"{dossier.term_months} tháng" if dossier.term_months else "-"),
        ("Cơ sở cai nghiện", dossier.facility or "-"),
    ]
    for label, value in facts:
        _line(pdf, f"{label}: {value}")
    pdf.ln(3)

    pdf.set_font("DejaVu", "B", 11)
    _line(pdf, "Thành phần hồ sơ")
    pdf.set_font("DejaVu", "", 9)
    titles = {d.kind: d.title_vi for d in rules.for_ruleset(dossier.ruleset).documents}
    with pdf.table(col_widths=(70, 45, 25, 30), text_align="LEFT") as table:
        table.row(["Tài liệu", "Người lập / xác nhận", "Ngày lập", "Bản chụp"])
        for document in documents:
            who = document.prepared_by
            if document.confirmed_by:
                who += f" / {document.confirmed_by}"
            table.row(
                [
                    titles.get(document.kind, document.kind),
                    who,
                    _day(document.prepared_on),
                    "Có" if document.file_id else "Chưa có",
                ]
            )
    pdf.ln(3)

    pdf.set_font("DejaVu", "B", 11)
    _line(pdf, "Thời hạn các bước")
    pdf.set_font("DejaVu", "", 9)
    for due in service.deadlines(dossier):
        mark = "" if due.confirmed else " (chưa xác nhận)"
        _line(pdf, f"- {due.title_vi}: {_day(due.due_on)} ({due.source}{mark})")
    pdf.ln(10)

    pdf.set_font("DejaVu", "B", 10)
    top = pdf.get_y()
    pdf.multi_cell(half, 5, "NGƯỜI LẬP\n(Ký, ghi rõ họ tên)", align="C")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 5, "CHỦ TỊCH UBND\n(Ký, đóng dấu)", align="C")
    return bytes(pdf.output())


def _line(pdf: Any, text: str, align: str = "L") -> None:
    pdf.multi_cell(0, 6, text, align=align, new_x="LMARGIN", new_y="NEXT")
