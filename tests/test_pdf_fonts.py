"""The PDF report draws a name in any script a clinic meets (issue 19): Latin with accents, Chinese, Korean,
Arabic (joined, right to left) and emoji, in the picture and the text layer, from Debian's font packages."""

from __future__ import annotations

import re
import subprocess
import unicodedata

import numpy as np

from vision.pdf_fonts import pdf_fonts
from vision.pdf_report import course_pdf
from vision.records import Records
from vision.types import Leg

NAME = "Zoë 王小明 김민준 محمد 🏃‍♀️"
FONT_RUN = re.compile(r'<font name="([^"]+)">(.*?)</font>', re.S)


def unescape(markup: str) -> str:
    return markup.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_every_character_of_a_name_goes_to_a_font_that_has_it():
    fonts = pdf_fonts()
    assert fonts.body == "Body", "DejaVu Sans is missing: run `make system-deps` (fonts-dejavu-core)"
    coverage = {"Body": fonts.covered, **dict(fonts.fallbacks)}
    assert {"CJK", "Emoji"} <= set(coverage), "a fallback font is missing: fonts-wqy-zenhei, fonts-symbola"
    markup = fonts.markup(NAME)
    runs = [(font, unescape(text)) for font, text in FONT_RUN.findall(markup)]
    runs.append(("Body", unescape(FONT_RUN.sub("", markup))))
    missing = [(ch, font) for font, text in runs for ch in text if not ch.isspace() and ord(ch) not in coverage[font]]
    assert missing == []  # no character left to a font without it (a black square)
    assert {font for font, _ in runs} == {"Body", "CJK", "Emoji"}
    # Arabic is joined into its contextual forms (ReportLab does no shaping) and laid out right to left.
    arabic = [ch for ch in unescape(FONT_RUN.sub("", markup)) if "\ufe70" <= ch <= "\ufeff"]
    assert len(arabic) == 4 and unicodedata.normalize("NFKC", "".join(arabic)) == "دمحم"
    assert "\u200d" not in markup and "\ufe0f" not in markup  # joiners have no glyph: dropped, not boxed


def test_a_users_text_stays_text():
    markup = pdf_fonts().markup('<b>Ann</b> & <font name="x">')
    assert "<b>" not in markup and "&lt;b&gt;Ann&lt;/b&gt; &amp; &lt;font" in markup


def test_the_report_draws_the_name_in_every_script(tmp_path, artifacts):
    with Records.open(f"sqlite:///{tmp_path / 'fonts.db'}") as records:
        athlete = records.add_athlete(NAME).id
        records.prescribe(athlete, Leg.LEFT, "band-tempo", "red")
        course = records.course(athlete)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(course_pdf(course))
    embedded = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    for family in ("DejaVuSans", "WenQuanYi", "Symbola"):
        assert family in embedded, embedded
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True)
    layer = unicodedata.normalize("NFKC", text.stdout)
    # The emoji is drawn (Symbola is embedded above, and the first test proves it has the glyph), but ReportLab
    # writes a 16-bit text layer, so copying an emoji out of the PDF gives a wrong character (README).
    for word in ("Zoë", "王小明", "김민준"):
        assert word in layer, layer[:300]
    assert "محمد" in layer or "دمحم" in layer, layer[:300]  # in logical or in drawing order
    # Looked at as a picture: the title line, cropped, kept for a person to read back.
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    from PIL import Image

    page = Image.open(next(tmp_path.glob("p-*.png"))).convert("L")
    title = page.crop((0, 0, page.width, int(page.height * 0.09)))
    title.save(artifacts / "pdf_names_in_every_script.png")
    assert (np.asarray(title) < 128).mean() > 0.01
