"""Render a Report (document.py) to PDF bytes with ReportLab. No Flask, no database."""
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, NextPageTemplate, PageBreak, PageTemplate,
                                Paragraph, Spacer)
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from register.reports import document as d
from register.reports import formatting as fmt

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "dkfds" / "fonts" / "IBMPlexSans" / "complete" / "ttf"
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#545454")
RULE = colors.HexColor("#b5b5b5")
ZEBRA = colors.HexColor("#f5f5f5")
SERIES_COLOURS = [colors.HexColor("#1a1a1a"), colors.HexColor("#7f7f7f"), colors.HexColor("#c7c7c7"),
                  colors.HexColor("#4d4d4d")]
TONE_COLOURS = {"success": colors.HexColor("#358000"), "warning": colors.HexColor("#a36200"),
                "error": colors.HexColor("#b51d09"), "neutral": INK}


class FontsMissing(RuntimeError):
    """The embedded font files are not installed (run `make assets`)."""


def register_fonts() -> None:
    if "Plex" in pdfmetrics.getRegisteredFontNames():
        return
    files = {"Plex": "IBMPlexSans-Regular.ttf", "Plex-Bold": "IBMPlexSans-Bold.ttf",
             "Plex-Italic": "IBMPlexSans-Italic.ttf", "Plex-SemiBold": "IBMPlexSans-SemiBold.ttf"}
    for name, filename in files.items():
        path = FONT_DIR / filename
        if not path.exists():
            raise FontsMissing(f"font file missing: {path} (run `make assets`)")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily("Plex", normal="Plex", bold="Plex-Bold", italic="Plex-Italic",
                                  boldItalic="Plex-Bold")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="Plex", fontSize=10, leading=14, textColor=INK, spaceAfter=6)
    return {
        "body": base,
        "lead": ParagraphStyle("lead", parent=base, fontSize=12, leading=17),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=12, textColor=MUTED),
        "warning": ParagraphStyle("warning", parent=base, fontName="Plex-Bold"),
        "h1": ParagraphStyle("h1", parent=base, fontName="Plex-Bold", fontSize=20, leading=25, spaceBefore=0,
                             spaceAfter=10, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName="Plex-Bold", fontSize=14, leading=19, spaceBefore=10,
                             spaceAfter=6, keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=base, fontSize=8.5, leading=12, textColor=MUTED,
                                  keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "cell_num": ParagraphStyle("cell_num", parent=base, fontSize=8.5, leading=11, spaceAfter=0,
                                   alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName="Plex-Bold", fontSize=8, leading=10.5, spaceAfter=0),
        "cover_title": ParagraphStyle("cover_title", parent=base, fontName="Plex-Bold", fontSize=30, leading=36),
        "cover_sub": ParagraphStyle("cover_sub", parent=base, fontSize=14, leading=20, textColor=MUTED),
        "fig_value": ParagraphStyle("fig_value", parent=base, fontName="Plex-Bold", fontSize=18, leading=22,
                                    spaceAfter=0),
        "fig_label": ParagraphStyle("fig_label", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=10.5, leading=16),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=9.5, leading=13, leftIndent=12, textColor=MUTED),
    }


class _Heading(Paragraph):
    """A heading that becomes a table-of-contents entry and a PDF bookmark."""

    def __init__(self, text, style, level, key):
        super().__init__(escape(text), style)
        self.toc_text, self.toc_level, self.toc_key = text, level, key


class _NumberedCanvas(pdf_canvas.Canvas):
    """Draws 'Side n af N' once the total is known."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved = []

    def showPage(self):
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            if self._pageNumber > 1:
                self.setFont("Plex", 8)
                self.setFillColor(MUTED)
                self.drawRightString(A4[0] - 20 * mm, 12 * mm, f"Side {self._pageNumber} af {total}")
            super().showPage()
        super().save()


class _Doc(BaseDocTemplate):
    def __init__(self, buffer, report: d.Report):
        super().__init__(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=22 * mm,
                         bottomMargin=20 * mm, title=f"{report.title} {report.year} – {report.municipality}",
                         author=report.municipality, subject=f"Status pr. {fmt.date(report.as_of)}",
                         creator="Register", lang="da-DK", displayDocTitle=True, invariant=1,
                         initialFontName="Plex", initialFontSize=10)
        self.report = report
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="main")
        self.addPageTemplates([PageTemplate("cover", [frame]),
                               PageTemplate("body", [frame], onPage=self._header_footer)])

    def _header_footer(self, canv, _doc):
        canv.saveState()
        canv.setFont("Plex", 8)
        canv.setFillColor(MUTED)
        canv.drawString(20 * mm, A4[1] - 12 * mm, f"{self.report.municipality} · {self.report.title} {self.report.year}")
        canv.drawString(20 * mm, 12 * mm, f"Status pr. {fmt.date(self.report.as_of)} · version {self.report.version}")
        canv.setStrokeColor(RULE)
        canv.line(20 * mm, A4[1] - 14 * mm, A4[0] - 20 * mm, A4[1] - 14 * mm)
        canv.restoreState()

    def afterFlowable(self, flowable):
        if isinstance(flowable, _Heading):
            self.canv.bookmarkPage(flowable.toc_key)
            self.canv.addOutlineEntry(flowable.toc_text, flowable.toc_key, level=flowable.toc_level - 1, closed=False)
            self.notify("TOCEntry", (flowable.toc_level - 1, flowable.toc_text, self.page, flowable.toc_key))


def _table(block: d.Table, styles, width: float):
    if not block.rows:
        return [Paragraph(escape(block.empty), styles["note"])]
    head = [Paragraph(escape(c), styles["head"]) for c in block.columns]
    body = [[Paragraph(escape(str(v)), styles["cell_num"] if i in block.numeric else styles["cell"])
             for i, v in enumerate(row)] for row in block.rows]
    weights = block.widths or [1] * len(block.columns)
    col_widths = [width * w / sum(weights) for w in weights]
    table = RLTable([head] + body, colWidths=col_widths, repeatRows=1)
    style = [("LINEBELOW", (0, 0), (-1, 0), 0.8, INK), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
             ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE)]
    style += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(2, len(body) + 1, 2)]
    table.setStyle(TableStyle(style))
    out = []
    if block.caption:
        out.append(Paragraph(escape(block.caption), styles["caption"]))
    return out + [table, Spacer(1, 6)]


def _figures(block: d.Figures, styles, width: float):
    cells = []
    for fig in block.items:
        value_style = ParagraphStyle("v", parent=styles["fig_value"], textColor=TONE_COLOURS.get(fig.tone, INK))
        parts = [Paragraph(escape(fig.value), value_style), Paragraph(escape(fig.label), styles["fig_label"])]
        if fig.note:
            parts.append(Paragraph(escape(fig.note), styles["note"]))
        cells.append(parts)
    per_row = 3
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = RLTable(rows, colWidths=[width / per_row] * per_row)
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, RULE), ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 6),
                               ("LEFTPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return [table, Spacer(1, 10)]


def _chart(block: d.BarChart, styles, width: float):
    bar_space = 14 if len(block.series) == 1 or block.stacked else 8 * len(block.series) + 6
    height = max(80, len(block.categories) * bar_space + 40)
    drawing = Drawing(width, height + 45)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 30
    chart.width, chart.height = width - 170, height - 10
    chart.data = [tuple(s.values) for s in block.series]
    chart.categoryAxis.categoryNames = list(block.categories)
    chart.categoryAxis.reverseDirection = True
    chart.categoryAxis.labels.fontName = "Plex"
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = block.value_max
    chart.valueAxis.labels.fontName = "Plex"
    chart.valueAxis.labels.fontSize = 7.5
    chart.barSpacing = 1
    if block.stacked:
        chart.categoryAxis.style = "stacked"
    for i in range(len(block.series)):
        chart.bars[i].fillColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 150, height + 38
    legend.fontName, legend.fontSize = "Plex", 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], s.name) for i, s in enumerate(block.series)]
    drawing.add(legend)
    drawing.add(String(0, height + 35, block.unit, fontName="Plex", fontSize=8, fillColor=MUTED))
    return [KeepTogether([Paragraph(escape(block.title), styles["warning"]), drawing]),
            Spacer(1, 8)]


def _blocks(blocks, styles, width):
    out = []
    for block in blocks:
        if isinstance(block, d.Para):
            out.append(Paragraph(escape(block.text), styles.get(block.kind, styles["body"])))
        elif isinstance(block, d.Bullets):
            out += [Paragraph("• " + escape(item), styles["body"]) for item in block.items]
        elif isinstance(block, d.Figures):
            out += _figures(block, styles, width)
        elif isinstance(block, d.Table):
            out += _table(block, styles, width)
        elif isinstance(block, d.BarChart):
            out += _chart(block, styles, width)
        elif isinstance(block, d.Section):  # a sub-section
            out.append(_Heading(block.title, styles["h2"], 2, f"s{id(block)}"))
            out += _blocks(block.blocks, styles, width)
    return out


def render_pdf(report: d.Report) -> bytes:
    """The report as a print-ready A4 PDF with cover, contents, bookmarks and page numbers."""
    register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    doc = _Doc(buffer, report)
    width = doc.width
    story = [
        Spacer(1, 60 * mm),
        Paragraph(escape(report.municipality), styles["cover_sub"]),
        Paragraph(escape(f"{report.title} {report.year}"), styles["cover_title"]),
        Spacer(1, 8 * mm),
        Paragraph(escape(f"Status pr. {fmt.date(report.as_of)}"), styles["lead"]),
        Paragraph(escape(f"Udarbejdet {fmt.datetime(report.generated_at)} · version {report.version}"),
                  styles["note"]),
        NextPageTemplate("body"), PageBreak(),
    ]
    toc = TableOfContents()
    toc.levelStyles = [styles["toc1"], styles["toc2"]]
    story += [Paragraph("Indhold", styles["h1"]), toc, PageBreak()]
    for n, section in enumerate(report.sections):
        if n and section.page_break:
            story.append(PageBreak())
        story.append(_Heading(section.title, styles["h1"], 1, f"section{n}"))
        story += _blocks(section.blocks, styles, width)
    doc.multiBuild(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
