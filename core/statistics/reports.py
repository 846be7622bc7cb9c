"""Reports as a commune or a region sends them upward, in XLSX and PDF.

A report is laid out once (:class:`Report`: the sender, the title, the
period, then tables of figures) and drawn by either format. The PDF uses the
DejaVu Sans shipped in ``core.fonts``, so every Vietnamese letter shows.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.db import VIETNAM
from core.fonts import SANS, SANS_BOLD
from core.statistics import counting, protection
from core.statistics.models import Audience, ExportFormat
from core.statistics.periods import Period
from core.statistics.protection import Shown

logger = logging.getLogger(__name__)

# The figures a trend or a table of communes shows, one column each.
HEADLINE = (
    "people.managed",
    "people.new",
    "cases.new",
    "people.past_end",
    "contacts.due",
    "contacts.done",
    "commitments.reviewed",
)
SHORT = {
    "people.managed": ("Đang quản lý", "Managed"),
    "people.new": ("Người mới", "New people"),
    "cases.new": ("Hồ sơ mới", "New cases"),
    "people.past_end": ("Quá hạn", "Past end"),
    "contacts.due": ("Gặp gỡ đến hạn", "Contacts due"),
    "contacts.done": ("Đã gặp gỡ", "Contacts done"),
    "commitments.reviewed": ("Cam kết đã xét", "Reviewed"),
}


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]
    # Wide tables (a column per figure) get a landscape page.
    wide: bool = False


@dataclass
class Report:
    sender: str
    title: str
    place: str
    period: str
    computed: str
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def _words(language: str) -> dict[str, str]:
    if language == "en":
        return {
            "commune_title": "DRUG PREVENTION REPORT OF THE COMMUNE",
            "region_title": "DRUG PREVENTION REPORT OF THE REGION",
            "nation": "SOCIALIST REPUBLIC OF VIET NAM",
            "motto": "Independence - Freedom - Happiness",
            "figure": "Figure",
            "value": "Value",
            "month": "Month",
            "commune": "Commune",
            "total": "Total",
            "trend": "Month by month",
            "by_hamlet": "By hamlet",
            "hamlet": "Hamlet",
            "no_hamlet": "No hamlet recorded",
            "computed": "Figures as of",
            "by_commune": "By commune",
            "protected": "Counts from 1 to {below} are shown as '< {k}'; larger "
            "counts are rounded to a multiple of {k}; totals add up what is "
            "shown.",
            "period": "Period",
            "place": "Reporting unit",
        }
    return {
        "commune_title": "BÁO CÁO CÔNG TÁC PHÒNG, CHỐNG MA TÚY TẠI XÃ",
        "region_title": "BÁO CÁO CÔNG TÁC PHÒNG, CHỐNG MA TÚY TRÊN ĐỊA BÀN",
        "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto": "Độc lập - Tự do - Hạnh phúc",
        "figure": "Chỉ tiêu",
        "value": "Số liệu",
        "month": "Tháng",
        "commune": "Xã, phường",
        "total": "Tổng cộng",
        "trend": "Diễn biến theo tháng",
        "by_hamlet": "Theo thôn, xóm",
        "hamlet": "Thôn, xóm",
        "no_hamlet": "Chưa ghi thôn, xóm",
        "computed": "Số liệu tính đến",
        "by_commune": "Theo xã, phường",
        "protected": "Số từ 1 đến {below} ghi là '< {k}'; số lớn hơn làm tròn "
        "đến bội số của {k}; dòng tổng cộng cộng các số đã ghi.",
        "period": "Kỳ báo cáo",
        "place": "Đơn vị báo cáo",
    }


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def _value(value: int | Shown | None, k: int, language: str) -> Any:
    """A number stays a number where it is one; a protected sum is text."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return value
    if not value.withheld:
        return value.visible
    return protection.display(value, k, language)


def _sections(view: Any, k: int, language: str) -> list[Table]:
    words = _words(language)
    grouped: dict[str, list[list[Any]]] = {}
    for figure in view.figures:
        grouped.setdefault(figure.section, []).append(
            [figure.label(language), _value(view.values.get(figure.key), k, language)]
        )
    tables = []
    for number, (section, rows) in enumerate(grouped.items(), start=1):
        if section in counting.SECTIONS:
            vi, en = counting.SECTIONS[section]
            name = en if language == "en" else vi
        else:
            name = section.split(":", 1)[1]
        tables.append(
            Table(f"{number}. {name}", [words["figure"], words["value"]], rows)
        )
    return tables


def _short(key: str, language: str) -> str:
    vi, en = SHORT[key]
    return en if language == "en" else vi


def _trend(trend: list[tuple[Period, Any]], k: int, language: str) -> Table:
    words = _words(language)
    rows = [
        [period.start.strftime("%m/%Y")]
        + [_value(view.values.get(key), k, language) for key in HEADLINE]
        for period, view in trend
    ]
    header = [words["month"]] + [_short(key, language) for key in HEADLINE]
    return Table(words["trend"], header, rows, wide=True)


def _opened(
    place: Any,
    title: str,
    period: Period,
    computed: datetime | None,
    protected_at: int | None,
    language: str,
) -> Report:
    """The heading of a report; ``protected_at`` is the threshold when its
    figures are protected ones, which a note then explains."""
    words = _words(language)
    report = Report(
        sender=place.name.upper(),
        title=words[title],
        place=place.name,
        period=period.title(language),
        computed=f"{words['computed']}: {_when(computed)}",
    )
    if protected_at is not None:
        k = protected_at
        report.notes.append(words["protected"].format(below=k - 1, k=k))
    return report


def commune_report(
    summary: Any, trend: list[tuple[Period, Any]], k: int, language: str
) -> Report:
    """A commune's report: its figures by section, by hamlet for its own
    staff, and month by month."""
    words = _words(language)
    protected = k if summary.audience is Audience.REGION else None
    report = _opened(
        summary.commune,
        "commune_title",
        summary.period,
        summary.view.computed_at,
        protected,
        language,
    )
    report.tables.extend(_sections(summary.view, k, language))
    if summary.hamlets:
        figures = summary.hamlets[0].view.figures
        header = [words["hamlet"]] + [f.label(language).strip(" -") for f in figures]
        rows = [
            [hamlet.name or words["no_hamlet"]]
            + [_value(hamlet.view.values.get(f.key), k, language) for f in figures]
            for hamlet in summary.hamlets
        ]
        report.tables.append(Table(words["by_hamlet"], header, rows, wide=True))
    report.tables.append(_trend(trend, k, language))
    return report


def region_report(
    summary: Any, trend: list[tuple[Period, Any]], k: int, language: str
) -> Report:
    """A region's report: the region's sums by section, each commune's
    headline figures, and month by month; all of them protected."""
    words = _words(language)
    report = _opened(
        summary.region,
        "region_title",
        summary.period,
        summary.computed_at,
        k,
        language,
    )
    report.tables.extend(_sections(summary.total, k, language))
    places = [(commune.name, view) for commune, view in summary.communes]
    places.append((words["total"], summary.total))
    header = [words["commune"]] + [_short(key, language) for key in HEADLINE]
    rows = [
        [name] + [_value(view.values.get(key), k, language) for key in HEADLINE]
        for name, view in places
    ]
    report.tables.append(Table(words["by_commune"], header, rows, wide=True))
    report.tables.append(_trend(trend, k, language))
    return report


def render(report: Report, export_format: ExportFormat) -> bytes:
    if export_format is ExportFormat.XLSX:
        return to_xlsx(report)
    return to_pdf(report)


# -- XLSX ---------------------------------------------------------------------


def to_xlsx(report: Report) -> bytes:
    """The report as a workbook: the heading and every table on one sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.create_sheet("Báo cáo", 0)
    book.remove(book.worksheets[1])
    bold = Font(bold=True)
    for line in (report.sender, report.title, report.place, report.period):
        sheet.append([line])
    sheet["A2"].font = Font(bold=True, size=13)
    sheet.append([report.computed])
    for note in report.notes:
        sheet.append([note])
    for table in report.tables:
        sheet.append([])
        sheet.append([table.title])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append(table.header)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
        for row in table.rows:
            sheet.append(row)
    sheet.column_dimensions["A"].width = 52
    for column in "BCDEFGHIJ":
        sheet.column_dimensions[column].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- PDF ------------------------------------------------------------------------


def to_pdf(report: Report) -> bytes:
    """The report on A4 pages, tables with a landscape page where wide."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(SANS))
    pdf.add_font("DejaVu", "B", str(SANS_BOLD))
    pdf.set_title(f"{report.title} - {report.place} - {report.period}")
    pdf.add_page()
    _heading(pdf, report)
    for table in report.tables:
        if table.wide:
            pdf.add_page(orientation="L")
        _table(pdf, table)
    return bytes(pdf.output())


def _line(pdf: Any, width: float, height: float, text: str, align: str = "L") -> None:
    """A paragraph, after which the next one starts at the left margin."""
    pdf.multi_cell(width, height, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: Any, report: Report) -> None:
    half = pdf.epw / 2
    pdf.set_font("DejaVu", "B", 10)
    top = pdf.get_y()
    _line(pdf, half, 5, report.sender, align="C")
    pdf.set_xy(pdf.l_margin + half, top)
    nation = _words("vi")["nation"]
    motto = _words("vi")["motto"]
    pdf.multi_cell(half, 5, f"{nation}\n{motto}", align="C", new_x="LMARGIN")
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 14)
    _line(pdf, 0, 7, report.title, align="C")
    pdf.set_font("DejaVu", "", 11)
    _line(pdf, 0, 6, f"{report.place} - {report.period}", align="C")
    pdf.set_font("DejaVu", "", 9)
    _line(pdf, 0, 5, report.computed, align="C")
    for note in report.notes:
        _line(pdf, 0, 5, note)
    pdf.ln(4)


def _table(pdf: Any, table: Table) -> None:
    pdf.set_font("DejaVu", "B", 11)
    _line(pdf, 0, 7, table.title)
    pdf.set_font("DejaVu", "", 8 if table.wide else 10)
    columns = len(table.header)
    first = pdf.epw * (0.24 if table.wide else 0.7)
    others = (pdf.epw - first) / max(1, columns - 1)
    widths = (first,) + (others,) * (columns - 1)
    rows = [table.header] + [[str(value) for value in row] for row in table.rows]
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT",) + ("RIGHT",) * (columns - 1),
        line_height=5 if table.wide else 6,
        first_row_as_headings=True,
    ) as drawn:
        for row in rows:
            drawn.row(row)
    pdf.ln(4)
