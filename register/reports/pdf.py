"""Render a Report (document.py) to PDF bytes with ReportLab. No Flask, no database.

Built for thousands of table rows (a large municipality's report in under two seconds): tables are
laid out once and split by slicing (_TableLayout, _LongTable), their text is written as one block of PDF
operators per page (_Ink), and the contents are laid out before the build so the document is built once
(_Contents, with the page numbers written in by _NumberedCanvas when it saves).
"""
import bisect
import functools
import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, NextPageTemplate, PageBreak,
                                PageTemplate, Paragraph, Spacer)
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle

from register.reports import document as d
from register.reports import formatting as fmt
from register.reports.gcpause import collector_paused

FONT_DIR = (Path(__file__).resolve().parent.parent / "static" / "vendor" / "dkfds" / "fonts" / "IBMPlexSans"
            / "complete" / "ttf")
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#545454")
RULE = colors.HexColor("#b5b5b5")
ZEBRA = colors.HexColor("#f5f5f5")
SERIES_COLOURS = [colors.HexColor("#1a1a1a"), colors.HexColor("#7f7f7f"), colors.HexColor("#c7c7c7"),
                  colors.HexColor("#4d4d4d")]
TONE_COLOURS = {"success": colors.HexColor("#358000"), "warning": colors.HexColor("#a36200"),
                "error": colors.HexColor("#b51d09"), "neutral": INK}
CELL_SIZE, CELL_LEADING = 8.5, 11
HEAD_SIZE, HEAD_LEADING = 8, 10.5
CAPTION_SIZE, CAPTION_LEADING, CAPTION_SPACE = 8.5, 12, 6
TOC_LEADING, TOC_INDENT, TOC_COLOURS = (16, 13), (0, 12), (INK, MUTED)


# Page streams are written as Flate-compressed binary without an ASCII85 layer on top: ReportLab encodes
# ASCII85 in pure Python (a quarter of a long report's rendering time), and every PDF reader reads binary streams.
rl_config.useA85 = 0


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
    for name, candidates in FALLBACK_FILES.items():
        path = next((p for p in candidates if Path(p).exists()), None)
        if path is not None:
            pdfmetrics.registerFont(TTFont(name, path))
    registered = pdfmetrics.getRegisteredFontNames()
    for name in FALLBACK_FILES:  # each a family of its own, so a <font> run in a bold paragraph resolves to it
        if name in registered:
            pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)


# Plex draws Latin, Greek and Cyrillic; other text (emoji, Arabic, Chinese) would come out blank. Each character
# Plex lacks is drawn in the first fallback that has it (Debian's fonts-dejavu-core covers emoji, Arabic and most
# symbols; fonts-droid-fallback, where installed, covers Chinese, Japanese and Korean), and a character no font
# has is drawn as a visible replacement mark. ReportLab does not shape: Arabic letters are drawn one by one.
FALLBACK_FILES = {
    "Fallback": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
    "Fallback-Bold": ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"],
    "Fallback-CJK": ["/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
                     "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf"],
}
_FALLBACKS = {"Plex": ("Fallback", "Fallback-CJK"), "Plex-Italic": ("Fallback", "Fallback-CJK"),
              "Plex-Bold": ("Fallback-Bold", "Fallback", "Fallback-CJK"),
              "Plex-SemiBold": ("Fallback-Bold", "Fallback", "Fallback-CJK")}
REPLACEMENT = "\ufffd"


@functools.cache
def _chain(font_name: str) -> tuple[tuple[str, frozenset | dict], ...]:
    """(font, its character map) for the font and its registered fallbacks, in order."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    names = [font_name] + [f for f in _FALLBACKS.get(font_name, ()) if f in registered]
    return tuple((name, pdfmetrics.getFont(name).face.charToGlyph) for name in names)


_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"
_RTL_RUN = re.compile(f"[{_RTL}]+(?:[ ]+[{_RTL}]+)*")


@functools.lru_cache(maxsize=65536)
def _segments(text: str, font_name: str) -> tuple[tuple[str, str], ...]:
    """`text` as runs of (font, characters), each character in the first font of the chain that has it."""
    chain = _chain(font_name)
    primary = chain[0][1]
    if all(ord(c) in primary or c < " " for c in text):
        return ((font_name, text),)
    # Right-to-left words are written in reverse so that they read from the right (the page is drawn from the left)
    text = _RTL_RUN.sub(lambda m: m.group(0)[::-1], text)
    runs: list[list] = []
    for char in text:
        font = next((name for name, cmap in chain if ord(char) in cmap or char < " "), None)
        if font is None:
            font = next((name for name, cmap in chain if ord(REPLACEMENT) in cmap), font_name)
            char = REPLACEMENT if font != font_name or ord(REPLACEMENT) in primary else "?"
        if runs and runs[-1][0] == font:
            runs[-1][1] += char
        else:
            runs.append([font, char])
    return tuple((font, chars) for font, chars in runs)


def _markup(text: str, font_name: str) -> str:
    """Paragraph markup for `text` in `font_name`, with <font> runs where a fallback draws the characters."""
    return "".join(escape(chars) if font == font_name else f'<font face="{font}">{escape(chars)}</font>'
                   for font, chars in _segments(text, font_name))


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
        "cover_title": ParagraphStyle("cover_title", parent=base, fontName="Plex-Bold", fontSize=30, leading=36),
        "cover_sub": ParagraphStyle("cover_sub", parent=base, fontSize=14, leading=20, textColor=MUTED),
        "fig_value": ParagraphStyle("fig_value", parent=base, fontName="Plex-Bold", fontSize=18, leading=22,
                                    spaceAfter=0),
        "fig_label": ParagraphStyle("fig_label", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
    }


class _Heading(Paragraph):
    """A heading that becomes a table-of-contents entry and a PDF bookmark."""

    def __init__(self, text, style, level, key):
        super().__init__(_markup(text, style.fontName), style)
        self.toc_text, self.toc_level, self.toc_key = text, level, key


class _Measure:
    """Word widths and line breaks for one font and size, cached: a long report measures the same words often."""

    def __init__(self, font_name: str, size: float):
        self.font_name, self.size = font_name, size
        self._widths: dict[str, float] = {}
        self._lines: dict[tuple[str, float], list[str]] = {}
        self.space = self.width(" ")

    def width(self, text: str) -> float:
        value = self._widths.get(text)
        if value is None:
            value = self._widths[text] = sum(stringWidth(chars, font, self.size)
                                              for font, chars in _segments(text, self.font_name))
        return value

    def lines(self, text: str, width: float) -> list[str]:
        """`text` broken into lines no wider than `width`: at spaces, and inside a word only if it is wider."""
        key = (text, width)
        lines = self._lines.get(key)
        if lines is None:
            lines = self._lines[key] = self._break(text, width)
        return lines

    def _break(self, text: str, width: float) -> list[str]:
        lines = []
        for paragraph in text.split("\n"):
            line, used = [], 0.0
            for word in paragraph.replace("\t", " ").split(" "):
                if not word:
                    continue
                w = self.width(word)
                if line and used + self.space + w <= width:
                    line.append(word)
                    used += self.space + w
                    continue
                if line:
                    lines.append(" ".join(line))
                pieces = self._pieces(word, width) if w > width else [word]
                lines += pieces[:-1]
                line, used = [pieces[-1]], self.width(pieces[-1])
            lines.append(" ".join(line))
        return lines

    def _pieces(self, word: str, width: float) -> list[str]:
        """A word wider than the column, cut where it must be (as a Paragraph does with long words)."""
        pieces, piece, used = [], "", 0.0
        for char in word:
            w = self.width(char)
            if piece and used + w > width:
                pieces.append(piece)
                piece, used = "", 0.0
            piece += char
            used += w
        return pieces + [piece]


class _FontCodes:
    """One embedded font's character codes in one document, learnt from splitString a character at a time.

    Encoding text through splitString costs a few microseconds per string even for known characters; a
    report writes tens of thousands of strings, so each character is looked up once and text in the first
    subset (almost all text) is then encoded with str.translate."""

    def __init__(self, font_name: str, doc):
        self.font, self.doc = pdfmetrics.getFont(font_name), doc
        self.subset: dict[str, int] = {}       # character -> subset
        self.code: dict[str, str] = {}         # character -> its escaped code in that subset
        self.first: dict[int, str] = {}        # the same for the first subset, as a str.translate table
        self.in_first: set[str] = set()
        self.names: dict[int, str] = {}

    def name(self, subset: int) -> str:
        if subset not in self.names:
            self.names[subset] = self.font.getSubsetInternalName(subset, self.doc)
        return self.names[subset]

    def runs(self, text: str) -> list[tuple[str, str]]:
        """(subset font name, escaped string) for each run of characters in one subset."""
        chars = set(text)
        if not chars <= self.subset.keys():
            for char in text:  # in reading order, as splitString would assign them
                if char not in self.subset:
                    [(subset, code)] = self.font.splitString(char, self.doc)
                    self.subset[char], self.code[char] = subset, escapePDF(code)
                    if subset == 0:
                        self.first[ord(char)] = self.code[char]
                        self.in_first.add(char)
        if chars <= self.in_first:
            return [(self.name(0), text.translate(self.first))]
        runs, current, part = [], None, []
        for char in text:
            subset = self.subset[char]
            if subset != current and part:
                runs.append((self.name(current), "".join(part)))
                part = []
            current = subset
            part.append(self.code[char])
        runs.append((self.name(current), "".join(part)))
        return runs


class _Ink:
    """PDF text operators for many short strings in the embedded fonts, encoded once per document.

    Drawing each table cell through a Paragraph or canvas.drawString costs tens of microseconds; a report with
    thousands of rows writes its text as one block of operators per page instead, with the font API ReportLab
    documents for TrueType subsets (splitString, getSubsetInternalName)."""

    def __init__(self, doc):
        self.doc = doc
        self._fonts: dict[str, _FontCodes] = {}
        self._runs: dict[tuple[str, float, str], list[tuple[str, str]]] = {}

    def runs(self, font_name: str, size: float, text: str) -> list[tuple[str, str]]:
        """(font operator, show-text operator) pairs for `text`."""
        key = (font_name, size, text)
        runs = self._runs.get(key)
        if runs is None:
            runs = self._runs[key] = []
            for font, chars in _segments(text, font_name):  # a fallback font where the font lacks characters
                codes = self._fonts.get(font)
                if codes is None:
                    codes = self._fonts[font] = _FontCodes(font, self.doc)
                runs += [(f"{name} {size:g} Tf", f"({escaped}) Tj") for name, escaped in codes.runs(chars)]
        return runs


def _ink(canv) -> _Ink:
    ink = getattr(canv, "report_ink", None)
    if ink is None or ink.doc is not canv._doc:
        ink = canv.report_ink = _Ink(canv._doc)
    return ink


class _TextBlock:
    """Collects positioned lines of text and writes them as one BT ... ET block."""

    def __init__(self, ink: _Ink):
        self.ink, self.ops, self._font = ink, ["BT"], None

    def line(self, font_name: str, size: float, x: float, y: float, text: str) -> None:
        if not text:
            return
        self.ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
        for font_op, show in self.ink.runs(font_name, size, text):
            if font_op != self._font:
                self.ops.append(font_op)
                self._font = font_op
            self.ops.append(show)

    def draw(self, canv, colour) -> None:
        if len(self.ops) > 1:
            canv.setFillColor(colour)
            canv.addLiteral("\n".join(self.ops + ["ET"]))


class _TableLayout:
    """A table's text broken into lines and its row heights, computed once for all its page parts."""

    PAD_X, PAD_Y = 6, 3
    MAX_LINES = 40  # a cell longer than this is cut, so that every row fits on a page

    def __init__(self, block: d.Table, width: float, kit: "_Kit"):
        weights = block.widths or [1] * len(block.columns)
        self.cell, self.head, self.cap = kit.cell, kit.head, kit.caption
        self.col_widths = self._fit([width * w / sum(weights) for w in weights], block)
        self.width = sum(self.col_widths)
        self.x = [sum(self.col_widths[:i]) for i in range(len(self.col_widths))]
        self.numeric = block.numeric
        inner = [w - 2 * self.PAD_X for w in self.col_widths]
        # the caption lines up with the text in the cells, as the paragraph it was did in the frame
        self.caption = self.cap.lines(block.caption, width - 2 * self.PAD_X) if block.caption else []
        self.caption_height = len(self.caption) * CAPTION_LEADING + CAPTION_SPACE if self.caption else 0
        self.header = [self.head.lines(str(c), w) for c, w in zip(block.columns, inner, strict=True)]
        self.header_height = 2 * self.PAD_Y + max(len(c) for c in self.header) * HEAD_LEADING
        self.rows = []
        self.tops = [0.0]  # tops[i]: distance from the first row's top to row i's top
        for row in block.rows:
            cells = [self._clip(self.cell.lines(str(v), w), w) for v, w in zip(row, inner, strict=True)]
            self.rows.append(cells)
            self.tops.append(self.tops[-1] + 2 * self.PAD_Y + max(len(c) for c in cells) * CELL_LEADING)

    def _fit(self, widths: list[float], block: d.Table) -> list[float]:
        """The given column widths, widened where a word (a date, a status) would have to be cut, or a figure
        ("100 %") broken, taking the room from columns that have more than their longest word needs;
        unchanged if there is not enough."""
        need = []
        for col, header in enumerate(block.columns):
            if col in block.numeric:  # a figure is read as one: "100 %" does not break
                words = {str(row[col]) for row in block.rows}
            else:
                words = {w for row in block.rows for w in str(row[col]).split()}
            longest = max((self.cell.width(w) for w in words), default=0)
            longest = max([longest] + [self.head.width(w) for w in str(header).split()])
            need.append(longest + 2 * self.PAD_X + 0.5)
        short = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
        spare = sum(max(0.0, w - n) for n, w in zip(need, widths, strict=True))
        if not short or spare < short:
            return widths
        return [n if n > w else w - (w - n) * short / spare for n, w in zip(need, widths, strict=True)]

    def _clip(self, lines: list[str], width: float) -> list[str]:
        if len(lines) <= self.MAX_LINES:
            return lines
        last = lines[self.MAX_LINES - 1]
        while last and self.cell.width(last + " …") > width:
            last = last[:-1]
        return lines[:self.MAX_LINES - 1] + [last + " …"]

    def rows_fitting(self, start: int, end: int, height: float) -> int:
        """The end index of the rows from `start` that fit in `height` (start if none does)."""
        return max(start, min(end, bisect.bisect_right(self.tops, self.tops[start] + height + 1e-6) - 1))


class _LongTable(Flowable):
    """Rows start..end of a table, with its header (repeated on every page) and its caption on the first part.

    ReportLab's Table measures every remaining row again at each page break, which is quadratic for a table of
    thousands of rows; here the rows are measured once (_TableLayout) and a page break only slices."""

    def __init__(self, layout: _TableLayout, start: int, end: int, first: bool):
        super().__init__()
        self.layout, self.start, self.end, self.first = layout, start, end, first
        self.hAlign = "CENTER"  # as ReportLab's Table: the full text width, centred over the frame's padding

    def _fixed_height(self) -> float:
        return (self.layout.caption_height if self.first else 0) + self.layout.header_height

    def first_rows_height(self, rows: int) -> float:
        lay = self.layout
        return self._fixed_height() + lay.tops[min(self.end, self.start + rows)] - lay.tops[self.start]

    def wrap(self, avail_width, avail_height):
        lay = self.layout
        self.width = lay.width
        self.height = self._fixed_height() + lay.tops[self.end] - lay.tops[self.start]
        return self.width, self.height

    def split(self, avail_width, avail_height):
        cut = self.layout.rows_fitting(self.start, self.end, avail_height - self._fixed_height())
        if cut == self.start:
            return []  # not even one row fits: the frame moves the whole table on
        if cut >= self.end:
            return [self]
        return [_LongTable(self.layout, self.start, cut, self.first),
                _LongTable(self.layout, cut, self.end, False)]

    def draw(self):
        lay, canv = self.layout, self.canv
        ink = _ink(canv)
        top = self.height
        canv.saveState()
        if self.first and lay.caption:
            caption = _TextBlock(ink)
            for n, text in enumerate(lay.caption):
                caption.line(lay.cap.font_name, lay.cap.size, lay.PAD_X, top - lay.cap.size - n * CAPTION_LEADING,
                             text)
            caption.draw(canv, MUTED)
            top -= lay.caption_height
        text = _TextBlock(ink)
        self._cells(text, lay.head, lay.header, top, HEAD_LEADING, numeric=())
        head_bottom = top - lay.header_height
        shading, rules = [], []  # path operators, written directly for the same reason as the text
        offset, right = lay.tops[self.start], f"{lay.width:.2f}"
        for i in range(self.start, self.end):
            row_top = head_bottom - (lay.tops[i] - offset)
            row_bottom = head_bottom - (lay.tops[i + 1] - offset)
            if i % 2:
                shading.append(f"0 {row_bottom:.2f} {right} {row_top - row_bottom:.2f} re")
            rules.append(f"0 {row_bottom:.2f} m {right} {row_bottom:.2f} l")
            self._cells(text, lay.cell, lay.rows[i], row_top, CELL_LEADING, lay.numeric)
        if shading:
            canv.setFillColor(ZEBRA)
            canv.addLiteral("\n".join(shading) + "\nf")
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.25)
        canv.addLiteral("\n".join(rules) + "\nS")
        canv.setStrokeColor(INK)
        canv.setLineWidth(0.8)
        canv.line(0, head_bottom, lay.width, head_bottom)
        text.draw(canv, INK)
        canv.restoreState()

    def _cells(self, text: _TextBlock, measure: _Measure, cells, top: float, leading: float, numeric) -> None:
        """One row's cells, top-aligned; numeric columns right-aligned (headers stay left, as before)."""
        lay = self.layout
        font, size = measure.font_name, measure.size
        for col, lines in enumerate(cells):
            y = top - lay.PAD_Y - size
            if col in numeric:
                right = lay.x[col] + lay.col_widths[col] - lay.PAD_X
                for line in lines:
                    text.line(font, size, right - measure.width(line), y, line)
                    y -= leading
            else:
                x = lay.x[col] + lay.PAD_X
                for line in lines:
                    text.line(font, size, x, y, line)
                    y -= leading


class _Contents(Flowable):
    """The table of contents, laid out before the headings are placed; page numbers are written in at the end.

    Every heading is known before the build and the numbers sit in a column of their own, so the contents take
    the same room whatever the numbers are: one build pass instead of ReportLab's multiBuild (two or three)."""

    NUMBER_ROOM = 28  # points kept free at the right for the page number
    PAD_Y = 3

    def __init__(self, entries: list[tuple[int, str, str]], kit: "_Kit", start: int = 0, end: int | None = None,
                 laid_out=None):
        super().__init__()
        self.entries, self.kit = entries, kit
        self.start, self.end = start, len(entries) if end is None else end
        self._laid_out = laid_out  # (width, [(lines, height)]) shared by the parts

    def _layout(self, width: float):
        if self._laid_out is None or self._laid_out[0] != width:
            rows = []
            for level, title, _key in self.entries:
                measure, indent = self.kit.toc[level - 1], TOC_INDENT[level - 1]
                lines = measure.lines(title, width - indent - self.NUMBER_ROOM)
                rows.append((lines, 2 * self.PAD_Y + len(lines) * TOC_LEADING[level - 1]))
            self._laid_out = (width, rows)
        return self._laid_out[1]

    def wrap(self, avail_width, avail_height):
        rows = self._layout(avail_width)
        self.width = avail_width
        self.height = sum(h for _lines, h in rows[self.start:self.end])
        return self.width, self.height

    def split(self, avail_width, avail_height):
        rows = self._layout(avail_width)
        used, cut = 0.0, self.start
        while cut < self.end and used + rows[cut][1] <= avail_height:
            used += rows[cut][1]
            cut += 1
        if cut == self.start:
            return []
        if cut == self.end:
            return [self]
        return [_Contents(self.entries, self.kit, self.start, cut, self._laid_out),
                _Contents(self.entries, self.kit, cut, self.end, self._laid_out)]

    def draw(self):
        canv, rows = self.canv, self._layout(self.width)
        ink = _ink(canv)
        y = self.height
        canv.saveState()
        for (level, _title, key), (lines, height) in zip(self.entries[self.start:self.end],
                                                         rows[self.start:self.end], strict=True):
            measure, indent = self.kit.toc[level - 1], TOC_INDENT[level - 1]
            leading, colour = TOC_LEADING[level - 1], TOC_COLOURS[level - 1]
            text = _TextBlock(ink)
            baseline = y - self.PAD_Y - measure.size
            for n, line in enumerate(lines):
                text.line(measure.font_name, measure.size, indent, baseline - n * leading, line)
            last = baseline - (len(lines) - 1) * leading
            if level > 1:  # dot leaders up to the page number, as ReportLab's TableOfContents draws them
                start = indent + measure.width(lines[-1])
                dots = int((self.width - self.NUMBER_ROOM - start) / measure.width(" . "))
                if dots > 0:
                    text.line(measure.font_name, measure.size,
                              self.width - self.NUMBER_ROOM - dots * measure.width(" . "), last, " . " * dots)
            text.draw(canv, colour)
            canv.page_number_at(key, self.width, last, measure.font_name, measure.size, colour)
            canv.linkRect("", key, (indent, y - height, self.width, y), relative=1, thickness=0)
            y -= height
        canv.restoreState()


class _NumberedCanvas(pdf_canvas.Canvas):
    """Draws 'Side n af N' once the total is known, and the contents' page numbers once the headings are placed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved = []
        self._bookmarks: list[tuple[str, tuple, dict]] = []  # this page's
        self.heading_pages: dict[str, int] = {}
        self._number_slots: dict[str, tuple] = {}
        self._slot_pages: set[int] = set()

    def bookmarkPage(self, key, *args, **kwargs):
        """Made when the page is written at save(): a bookmark names the page being written, and until then
        every page is held back (without this, every bookmark and contents link led to page one)."""
        self._bookmarks.append((key, args, kwargs))

    def page_number_at(self, key: str, right: float, y: float, font_name: str, size: float, colour) -> None:
        """Reserve the place of a heading's page number (right-aligned at `right`, in the current coordinates)."""
        marker = f"% page number of {key}"  # a PDF comment, replaced at save()
        self.addLiteral(marker)
        self._number_slots[marker] = (key, right, y, font_name, size, colour)
        self._slot_pages.add(self._pageNumber)

    def showPage(self):
        self._saved.append(dict(self.__dict__))
        self._bookmarks = []
        self._startPage()

    def _fill_page_numbers(self) -> None:
        if self._pageNumber not in self._slot_pages:
            return
        ink = _ink(self)
        for n, op in enumerate(self._code):
            slot = self._number_slots.get(op)
            if slot is None:
                continue
            key, right, y, font_name, size, colour = slot
            number = str(self.heading_pages.get(key, ""))
            block = _TextBlock(ink)
            block.line(font_name, size, right - stringWidth(number, font_name, size), y, number)
            red, green, blue = colour.rgb()
            self._code[n] = f"q {red:.3f} {green:.3f} {blue:.3f} rg\n" + "\n".join(block.ops + ["ET"]) + "\nQ"

    def save(self):
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            for key, args, kwargs in self._bookmarks:
                super().bookmarkPage(key, *args, **kwargs)
            self._fill_page_numbers()
            if self._pageNumber > 1:
                self.setFont("Plex", 8)
                self.setFillColor(MUTED)
                self.drawRightString(A4[0] - 20 * mm, 12 * mm, f"Side {self._pageNumber} af {total}")
            super().showPage()
        super().save()


class _KeepWithFirstRows(KeepTogether):
    """Keeps a heading with what follows it; when that is a long table, with its header and first rows only.

    ReportLab keeps a heading with the whole next flowable, so a heading before a table longer than the rest
    of the page moved both to a new page and left the page before nearly empty."""

    FIRST_ROWS = 3

    def wrap(self, aW, aH):
        size = super().wrap(aW, aH)
        last = self._content[-1]
        if isinstance(last, _LongTable):
            self._H -= last.height - last.first_rows_height(self.FIRST_ROWS)
        return size


class _Doc(BaseDocTemplate):
    def __init__(self, buffer, report: d.Report):
        super().__init__(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=22 * mm,
                         bottomMargin=20 * mm, title=f"{report.title} {report.year} – {report.municipality}",
                         author=report.municipality, subject=f"Status pr. {fmt.date(report.as_of)}",
                         creator="Register", lang="da-DK", displayDocTitle=True, invariant=1,
                         initialFontName="Plex", initialFontSize=10, keepTogetherClass=_KeepWithFirstRows)
        self.report = report
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="main")
        self.addPageTemplates([PageTemplate("cover", [frame]),
                               PageTemplate("body", [frame], onPage=self._header_footer)])

    def _header_footer(self, canv, _doc):
        canv.saveState()
        canv.setFont("Plex", 8)
        canv.setFillColor(MUTED)
        canv.drawString(20 * mm, A4[1] - 12 * mm,
                        f"{self.report.municipality} · {self.report.title} {self.report.year}")
        audit = " · revisionsvisning" if self.report.registered_on else ""
        canv.drawString(20 * mm, 12 * mm,
                        f"Status pr. {fmt.date(self.report.as_of)} · version {self.report.version}{audit}")
        canv.setStrokeColor(RULE)
        canv.line(20 * mm, A4[1] - 14 * mm, A4[0] - 20 * mm, A4[1] - 14 * mm)
        canv.restoreState()

    def afterFlowable(self, flowable):
        if isinstance(flowable, _Heading):
            self.canv.bookmarkPage(flowable.toc_key)
            self.canv.addOutlineEntry(flowable.toc_text, flowable.toc_key, level=flowable.toc_level - 1, closed=False)
            self.canv.heading_pages[flowable.toc_key] = self.page


class _Kit:
    """Measures shared by all tables of one rendering."""

    def __init__(self):
        self.cell = _Measure("Plex", CELL_SIZE)
        self.head = _Measure("Plex-Bold", HEAD_SIZE)
        self.caption = _Measure("Plex", CAPTION_SIZE)
        self.toc = [_Measure("Plex", 10.5), _Measure("Plex", 9.5)]


def _table(block: d.Table, styles, width: float, kit: _Kit):
    if not block.rows:
        return [Paragraph(_markup(block.empty, "Plex"), styles["note"])]
    layout = _TableLayout(block, width, kit)
    return [_LongTable(layout, 0, len(layout.rows), True), Spacer(1, 6)]


def _figures(block: d.Figures, styles, width: float):
    cells = []
    for fig in block.items:
        value_style = ParagraphStyle("v", parent=styles["fig_value"], textColor=TONE_COLOURS.get(fig.tone, INK))
        parts = [Paragraph(_markup(fig.value, "Plex-Bold"), value_style),
                 Paragraph(_markup(fig.label, "Plex"), styles["fig_label"])]
        if fig.note:
            parts.append(Paragraph(_markup(fig.note, "Plex"), styles["note"]))
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
    return [KeepTogether([Paragraph(_markup(block.title, "Plex-Bold"), styles["warning"]), drawing]),
            Spacer(1, 8)]


HEAT_COLOURS = {"success": colors.HexColor("#e1f0d6"), "info": colors.HexColor("#dceefb"),
                "warning": colors.HexColor("#fde9c6"), "error": colors.HexColor("#f8d3cd")}


def _heat_map(block: d.HeatMap, styles, width: float):
    """The risk matrix as a table: each cell prints its count and band, the background only repeats the band."""
    cell = ParagraphStyle("heat", parent=styles["body"], fontSize=8.5, leading=10.5, alignment=1, spaceAfter=0)
    head = ParagraphStyle("heat_head", parent=cell, fontName="Plex-Bold", fontSize=8)
    count = ParagraphStyle("heat_count", parent=cell, fontName="Plex-Bold", fontSize=12, leading=14)
    rows = [[Paragraph(escape(block.row_title), head)] + [Paragraph(escape(c), head) for c in block.columns]]
    style = [("GRID", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("BACKGROUND", (0, 0), (-1, 0), ZEBRA), ("BACKGROUND", (0, 0), (0, -1), ZEBRA)]
    for r, (label, cells) in enumerate(zip(block.rows, block.cells, strict=True), start=1):
        rows.append([Paragraph(escape(label), head)]
                    + [[Paragraph(fmt.number(c.count), count), Paragraph(escape(c.level), cell)] for c in cells])
        for col, c in enumerate(cells, start=1):
            style.append(("BACKGROUND", (col, r), (col, r), HEAT_COLOURS.get(c.tone, ZEBRA)))
    first = min(30 * mm, width * 0.22)
    table = RLTable(rows, colWidths=[first] + [(width - first) / len(block.columns)] * len(block.columns))
    table.setStyle(TableStyle(style))
    caption = Paragraph(escape(f"{block.title} ({block.column_title} vandret, {block.row_title.lower()} lodret)"),
                        styles["warning"])
    return [KeepTogether([caption, table]), Spacer(1, 10)]


def _blocks(blocks, styles, width, kit: _Kit, key: str):
    out = []
    subsections = 0
    for block in blocks:
        if isinstance(block, d.Para):
            style = styles.get(block.kind, styles["body"])
            out.append(Paragraph(_markup(block.text, style.fontName), style))
        elif isinstance(block, d.Bullets):
            out += [Paragraph(_markup("• " + item, "Plex"), styles["body"]) for item in block.items]
        elif isinstance(block, d.Figures):
            out += _figures(block, styles, width)
        elif isinstance(block, d.Table):
            out += _table(block, styles, width, kit)
        elif isinstance(block, d.BarChart):
            out += _chart(block, styles, width)
        elif isinstance(block, d.HeatMap):
            out += _heat_map(block, styles, width)
        elif isinstance(block, d.Section):  # a sub-section
            subsections += 1
            sub_key = f"{key}.{subsections}"
            out.append(_Heading(block.title, styles["h2"], 2, sub_key))
            out += _blocks(block.blocks, styles, width, kit, sub_key)
    return out


def render_pdf(report: d.Report) -> bytes:
    """The report as a print-ready A4 PDF with cover, contents, bookmarks and page numbers."""
    register_fonts()
    with collector_paused():
        return _render(report)


def _render(report: d.Report) -> bytes:
    styles = _styles()
    kit = _Kit()
    buffer = io.BytesIO()
    doc = _Doc(buffer, report)
    width = doc.width
    cover = [
        Spacer(1, 60 * mm),
        Paragraph(_markup(report.municipality, "Plex"), styles["cover_sub"]),
        Paragraph(_markup(f"{report.title} {report.year}", "Plex-Bold"), styles["cover_title"]),
        Spacer(1, 8 * mm),
        Paragraph(escape(f"Status pr. {fmt.date(report.as_of)}"), styles["lead"]),
        Paragraph(escape(report.basis), styles["lead"]),
        Paragraph(escape(f"Udarbejdet {fmt.datetime(report.generated_at)} · version {report.version}"),
                  styles["note"]),
        NextPageTemplate("body"), PageBreak(),
    ]
    body = []
    for n, section in enumerate(report.sections):
        if n and section.page_break:
            body.append(PageBreak())
        key = f"section{n}"
        body.append(_Heading(section.title, styles["h1"], 1, key))
        body += _blocks(section.blocks, styles, width, kit, key)
    entries = [(f.toc_level, f.toc_text, f.toc_key) for f in body if isinstance(f, _Heading)]
    contents = [Paragraph("Indhold", styles["h1"]), _Contents(entries, kit), PageBreak()]
    doc.build(cover + contents + body, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
