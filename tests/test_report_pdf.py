"""The PDF renderer: a known document in, the right text, metadata and structure out."""
import datetime as dt
import io

from pypdf import PdfReader

from register.reports import document as d
from register.reports.pdf import render_pdf


def _report(rows=10):
    return d.Report(
        "Fjordby Kommune", "Statusrapport for NIS2 og beredskab", 2025, dt.date(2025, 12, 31),
        dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.UTC), "1",
        [d.Section("Sammenfatning for direktionen", [
            d.Para("Kommunen har gjort fremskridt på områder med æ, ø og å.", "lead"),
            d.Figures([d.Figure("NIS2-krav implementeret", "12 af 26", "46 %", "warning")]),
            d.Bullets(["Direktionen bedes godkende handleplanen."])]),
         d.Section("Gap-analyse", [
             d.BarChart("Modenhed pr. CIS-kontrol", ["CIS 1", "CIS 2"], [d.Series("Nu", [2, 3]),
                                                                           d.Series("Mål", [3, 4])], 5),
             d.Table(["Kontrol", "Titel"], [[f"CIS {i}", f"Titel {i}"] for i in range(1, rows + 1)])])])


def test_pdf_has_cover_contents_text_and_danish_metadata():
    data = render_pdf(_report())
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Statusrapport for NIS2 og beredskab 2025" in text
    assert "Status pr. 31. december 2025" in text
    assert "Udarbejdet 5. januar 2026 kl. 09:30" in text  # 08:30 UTC is 09:30 in Copenhagen in winter
    assert "Indhold" in text and "Sammenfatning for direktionen" in text
    assert "æ, ø og å" in text
    assert "12 af 26" in text and "Direktionen bedes godkende handleplanen." in text
    assert reader.metadata.title == "Statusrapport for NIS2 og beredskab 2025 – Fjordby Kommune"
    assert reader.trailer["/Root"]["/Lang"] == "da-DK"
    assert [o.title for o in reader.outline] == ["Sammenfatning for direktionen", "Gap-analyse"]


def test_the_text_fonts_are_embedded():
    reader = PdfReader(io.BytesIO(render_pdf(_report())))
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            fonts[str(font["/BaseFont"])] = font
    plex = {name: font for name, font in fonts.items() if "IBMPlexSans" in name}
    assert {name.split("+")[1] for name in plex} >= {"IBMPlexSans", "IBMPlexSans-Bold"}
    for font in plex.values():
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # the TrueType program itself is in the file


def test_long_tables_break_across_pages_with_repeated_headers_and_numbered_pages():
    reader = PdfReader(io.BytesIO(render_pdf(_report(rows=150))))
    pages = [p.extract_text() for p in reader.pages]
    total = len(pages)
    table_pages = [t for t in pages if "Titel 1" in t or "Titel 140" in t or "Titel 75" in t]
    assert len(table_pages) >= 2 and all("Kontrol" in t for t in table_pages)
    assert f"Side {total} af {total}" in pages[-1]


def test_the_same_document_gives_the_same_bytes():
    assert render_pdf(_report()) == render_pdf(_report())


def test_text_the_report_fonts_lack_is_drawn_in_a_fallback_font_or_as_a_visible_mark():
    """Emoji, Arabic and Chinese are not left blank: IBM Plex lacks them, so DejaVu Sans (fonts-dejavu-core) draws
    emoji and Arabic, a CJK font draws Chinese where one is installed, and anything else shows U+FFFD."""
    from register.reports.pdf import register_fonts
    from reportlab.pdfbase import pdfmetrics

    report = d.Report("Fjordby Kommune", "Statusrapport", 2025, dt.date(2025, 12, 31),
                      dt.datetime(2026, 1, 5, tzinfo=dt.UTC), "1",
                      [d.Section("Hændelser", [d.Para("Besked: 😀 مرحبا 中文 slut."),
                                               d.Table(["Titel"], [["Celle 😀 مرحبا 中文"]])])])
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert text.count("مرحبا") == 2  # drawn right to left, in reading order for a text reader
    register_fonts()
    if "Fallback-CJK" in pdfmetrics.getRegisteredFontNames():
        assert text.count("中文") == 2
    else:
        assert "中" not in text and text.count("\ufffd\ufffd") == 2  # a visible mark, not a blank
    fallback = [ref.get_object() for page in reader.pages for ref in page["/Resources"].get("/Font", {}).values()
                if "DejaVuSans" in str(ref.get_object()["/BaseFont"])]
    assert fallback and all("/FontFile2" in f["/FontDescriptor"].get_object() for f in fallback)
    assert any(b"1F600" in f["/ToUnicode"].get_object().get_data() for f in fallback)  # the emoji's glyph is in
