"""Real files of every supported format, generated on the fly for tests (no fixtures on disk).

Each ``make_*`` writes one file at ``path`` and returns ``path``; the text they put in is exactly
what a correct extractor must find. Images are large black text on white (Pillow's bundled
FreeType font at 40 px or more), which the OCR engine reads exactly.

``make_every_format(folder)`` writes one file of each supported format and returns ``Sample``s
telling what text (and on which page) an extraction must yield -- for ingestion tests.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_PX = 40


def render_text(
    text: str, *, font_px: int = FONT_PX, width: int | None = None, height: int | None = None, margin: int = 40
) -> Image.Image:
    """An RGB image of ``text`` (may hold newlines) in black on white, sized to fit unless given."""
    font = ImageFont.load_default(size=font_px)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=font, spacing=font_px // 2)
    size = (width or int(right - left) + 2 * margin, height or int(bottom - top) + 2 * margin)
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).multiline_text((margin, margin), text, fill="black", font=font, spacing=font_px // 2)
    return image


def make_image_text(path: Path, text: str, *, font_px: int = FONT_PX) -> Path:
    """A PNG, JPEG or TIFF (chosen by the suffix) showing ``text``."""
    render_text(text, font_px=font_px).save(path)
    return path


def make_png_text(path: Path, text: str) -> Path:
    return make_image_text(path, text)


def make_pdf(path: Path, pages: Sequence[str], *, scanned: Collection[int] = ()) -> Path:
    """A PDF with one page per string (Latin-1 text, Helvetica 12 pt).

    Page numbers (1-based) in ``scanned`` carry no text layer: the text is an image of the
    page, as a scanner would produce it.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if number in scanned:
            image = render_text(text, font_px=48, width=1240, height=1754, margin=120)  # A4 at 150 dpi
            pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
        else:
            pdf.set_font("Helvetica", size=12)
            pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def make_pdf_words(path: Path, words: Sequence[str], *, gap_em: float) -> Path:
    """One line of words, each drawn on its own at ``gap_em`` of the font size after the last and no space
    glyph between them, as some report generators write text (Helvetica 12 pt)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    x, gap = 20.0, gap_em * 12 * 25.4 / 72  # points to millimetres
    for word in words:
        pdf.text(x, 30, word)
        x += pdf.get_string_width(word) + gap
    pdf.output(str(path))
    return path


def make_pdf_layout(
    path: Path, title: str, columns: tuple[str, str], table: Sequence[Sequence[str]], *, footer: str = ""
) -> Path:
    """One page: a full-width title, two text columns side by side, then a full-width table
    (first row = header, drawn as right-aligned cells in a grid, as reports print them)."""
    from fpdf import FPDF

    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    top, half = pdf.get_y() + 4, (pdf.w - 2 * pdf.l_margin - 12) / 2
    for k, text in enumerate(columns):
        pdf.set_xy(pdf.l_margin + k * (half + 12), top)
        pdf.multi_cell(half, 5.5, text)
    pdf.set_y(max(pdf.get_y(), top + 90) + 10)
    width = (pdf.w - 2 * pdf.l_margin) / len(table[0])
    for row in table:
        for k, cell in enumerate(row):
            pdf.cell(width * (1.6 if k == 0 else 0.85), 7, cell, align="L" if k == 0 else "R")
        pdf.ln(7)
    if footer:
        pdf.set_xy(pdf.l_margin, pdf.h - 15)
        pdf.cell(0, 5, footer)
    pdf.output(str(path))
    return path


def make_pdf_synopsis(path: Path, title: str, rows: Sequence[tuple[str, str]]) -> Path:
    """One page: a title, then a two-column table ruled round every cell, labels left and set in the middle of
    their row's height, values right and wrapped over several lines (a protocol's synopsis)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    with pdf.table(col_widths=(60, 110), text_align="LEFT", v_align="MIDDLE", first_row_as_headings=False) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.output(str(path))
    return path


def make_docx(path: Path, heading: str, paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> Path:
    """A Word document: a level-1 heading, the paragraphs, then a table (first row = header)."""
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


def make_pptx(path: Path, slides: Sequence[tuple[str, str]]) -> Path:
    """A presentation with one title-and-content slide per (title, body)."""
    import pptx

    presentation = pptx.Presentation()
    layout = presentation.slide_layouts[1]
    for title, body in slides:
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    presentation.save(str(path))
    return path


def make_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """A workbook with one sheet per (name, rows), in the given order."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    workbook.save(str(path))
    return path


def make_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def make_html(path: Path, title: str, heading: str, paragraphs: Sequence[str], script: str = "") -> Path:
    """An HTML page; ``script`` goes into a <script> in the body (it must never be extracted)."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f"<!DOCTYPE html><html><head><title>{title}</title><style>p {{ color: red }}</style></head>"
        f"<body><h1>{heading}</h1><script>{script}</script>{body}</body></html>"
    )
    path.write_text(html, encoding="utf-8")
    return path


def make_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Any text file (.txt, .md, .py, ...)."""
    path.write_bytes(text.encode(encoding))
    return path


def make_json(path: Path, value: object) -> Path:
    """Compact JSON (one line), so pretty-printing is visible."""
    path.write_text(json.dumps(value, separators=(",", ":")), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Sample:
    """A generated file and what its extraction must contain: (page or None, phrase) pairs."""

    path: Path
    expected: tuple[tuple[int | None, str], ...]
    ocr: bool = False


def make_every_format(folder: Path, *, images: bool = True) -> list[Sample]:
    """One file of every supported format in ``folder``; ``images=False`` skips the OCR-only ones."""
    folder.mkdir(parents=True, exist_ok=True)
    f = folder
    samples = [
        Sample(
            make_pdf(f / "report.pdf", ["Alpha page about turbines.", "Beta page about glaciers."]),
            ((1, "turbines"), (2, "glaciers")),
        ),
        Sample(
            make_docx(f / "memo.docx", "Budget memo", ["The ferry budget grew."], [["Item", "Cost"], ["Ferry", "42"]]),
            ((None, "Budget memo"), (None, "ferry budget"), (None, "| Ferry | 42 |")),
        ),
        Sample(
            make_pptx(f / "deck.pptx", [("Kickoff", "Meet the pelican team."), ("Roadmap", "Ship the kayak.")]),
            ((1, "pelican"), (2, "kayak")),
        ),
        Sample(
            make_xlsx(f / "book.xlsx", {"Sales": [["Region", "Total"], ["North", 120]], "Staff": [["Name"], ["Ada"]]}),
            ((1, "| North | 120 |"), (2, "Ada")),
        ),
        Sample(make_csv(f / "table.csv", [["city", "population"], ["Oslo", 709000]]), ((None, "| Oslo | 709000 |"),)),
        Sample(
            make_html(f / "page.html", "Garden", "Tomatoes", ["Water them daily."], script="var hidden = 1;"),
            ((None, "# Tomatoes"), (None, "Water them daily.")),
        ),
        Sample(make_text(f / "notes.md", "# Notes\n\nThe lighthouse keeper waved.\n"), ((None, "lighthouse keeper"),)),
        Sample(make_text(f / "plain.txt", "Plain text about a walrus.\n"), ((None, "walrus"),)),
        Sample(make_text(f / "script.py", "def greet():\n    return 'hello otter'\n"), ((None, "hello otter"),)),
        Sample(make_json(f / "data.json", {"animal": "lynx", "legs": 4}), ((None, '"animal": "lynx"'),)),
        Sample(make_eml(f / "mail.eml", "Harbour news", "The tugboat arrives Friday."), ((None, "tugboat arrives"),)),
        Sample(make_epub(f / "book.epub", "Tales", [("Owls", "The owl hoots."), ("Foxes", "The fox naps.")]),
               ((1, "owl hoots"), (2, "fox naps"))),
        Sample(make_odt(f / "letter.odt", "Letter", ["The heron waits."]), ((None, "heron waits"),)),
        Sample(make_ods(f / "sheet.ods", {"Birds": [["Bird", "Count"], ["Puffin", "7"]]}), ((1, "| Puffin | 7 |"),)),
        Sample(make_odp(f / "slides.odp", [("One", "The badger digs.")]), ((1, "badger digs"),)),
        Sample(make_rtf(f / "note.rtf", ["The marmot whistles."]), ((None, "marmot whistles"),)),
    ]
    if images:
        samples += [
            Sample(make_image_text(f / "sign.png", "OPEN ALL NIGHT"), ((None, "OPEN ALL NIGHT"),), ocr=True),
            Sample(make_image_text(f / "photo.jpg", "FRESH BREAD"), ((None, "FRESH BREAD"),), ocr=True),
            Sample(make_image_text(f / "fax.tiff", "SEND HELP"), ((None, "SEND HELP"),), ocr=True),
            Sample(
                make_pdf(f / "scan.pdf", ["Typed first page.", "SCANNED SECOND PAGE"], scanned={2}),
                ((1, "Typed first page."), (2, "SCANNED SECOND PAGE")),
                ocr=True,
            ),
        ]
    return samples


def make_eml(path: Path, subject: str, body: str, attachments: Sequence[Path] = ()) -> Path:
    """An e-mail with a plain-text body and the given files attached."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, "Ada <ada@example.org>", "bob@example.org"
    message["Date"] = "Tue, 04 Apr 2023 09:30:00 +0000"
    message.set_content(body)
    for file in attachments:
        message.add_attachment(file.read_bytes(), maintype="application", subtype="octet-stream", filename=file.name)
    path.write_bytes(message.as_bytes())
    return path


def make_epub(path: Path, title: str, chapters: Sequence[tuple[str, str]]) -> Path:
    """An EPUB 3 book with one XHTML chapter per (heading, paragraph)."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("test-book")
    book.set_title(title)
    book.set_language("en")
    book.add_author("Test Author")
    items = []
    for number, (heading, text) in enumerate(chapters, start=1):
        chapter = epub.EpubHtml(title=heading, file_name=f"chap{number}.xhtml", lang="en")
        chapter.content = f"<html><body><h1>{heading}</h1><p>{text}</p></body></html>"
        book.add_item(chapter)
        items.append(chapter)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    epub.write_epub(str(path), book)
    return path


def make_odt(path: Path, heading: str, paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> Path:
    """An OpenDocument text: a heading, paragraphs, then a table (first row = header)."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text=heading))
    for text in paragraphs:
        doc.text.addElement(P(text=text))
    if table:
        grid = Table(name="T1")
        grid.addElement(TableColumn(numbercolumnsrepeated=len(table[0])))
        for row in table:
            tr = TableRow()
            for value in row:
                cell = TableCell()
                cell.addElement(P(text=value))
                tr.addElement(cell)
            grid.addElement(tr)
        doc.text.addElement(grid)
    doc.save(str(path))
    return path


def make_ods(path: Path, sheets: dict[str, Sequence[Sequence[str]]]) -> Path:
    """An OpenDocument spreadsheet with one sheet per (name, rows)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        sheet = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                tr.addElement(cell)
            sheet.addElement(tr)
        doc.spreadsheet.addElement(sheet)
    doc.save(str(path))
    return path


def make_odp(path: Path, slides: Sequence[tuple[str, str]]) -> Path:
    """An OpenDocument presentation with one slide per (name, text)."""
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    doc = OpenDocumentPresentation()
    layout = PageLayout(name="PL")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    for name, text in slides:
        page = Page(name=name, masterpagename=master)
        frame = Frame(width="20cm", height="5cm", x="1cm", y="1cm")
        box = TextBox()
        box.addElement(P(text=text))
        frame.addElement(box)
        page.addElement(frame)
        doc.presentation.addElement(page)
    doc.save(str(path))
    return path


def make_rtf(path: Path, paragraphs: Sequence[str]) -> Path:
    """An RTF document (as WordPad writes it: font table, then one \\par per paragraph)."""
    body = "".join(f"\\pard {p.replace('é', chr(92) + chr(39) + 'e9')}\\par\n" for p in paragraphs)
    path.write_text("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0\\fs24\n" + body + "}", encoding="ascii")
    return path


# ---------------------------------------------------------------- hostile files


def make_png_declaring(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels (its data is a few zero rows)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\0" * (width * 3 + 1) * 4, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return path
