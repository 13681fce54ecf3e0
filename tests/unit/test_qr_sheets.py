"""Printable QR sheets: A4 pages of six cards, the codes pasted whole, Chinese names in a font
that has them, every page in the PDF."""

from __future__ import annotations

import io
import re
from datetime import date

from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFont

from tests.conftest import REPO
from zg_patrol.checkin import sheets
from zg_patrol.checkin.qr import PointCodes

SIGNER = PointCodes.from_secret("sheet-test-secret-0123456789abcdef").signer


def cards(n: int) -> list[sheets.Card]:
    return [
        sheets.Card(f"P{i:04d}", f"FX-G01-{i:04d}", f"徽州大道路口{i}", "合肥市包河区徽州大道660号",
                    "intersection", SIGNER.issue(f"P{i:04d}", 0, date(2026, 11, 27)))
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_six_cards_a_page() -> None:
    assert [sheets.pages(n) for n in (0, 1, 6, 7, 12, 13)] == [1, 1, 1, 2, 2, 3]


def test_a_png_page_is_a4_at_200_dpi_with_the_codes_pasted_whole() -> None:
    some = cards(7)
    data = sheets.png("G01", some, page=2, valid_until=date(2027, 12, 31))
    page = Image.open(io.BytesIO(data))
    assert page.size == sheets.PAGE and round(page.info["dpi"][0]) == sheets.DPI
    # the second page holds only the seventh card, first in its place
    width = (sheets.PAGE[0] - 2 * sheets.MARGIN) // sheets.COLUMNS
    height = (sheets.PAGE[1] - 2 * sheets.MARGIN - sheets.HEADER) // sheets.ROWS
    code = sheets._qr(some[6].token, size=min(width, height) - 340)
    x = sheets.MARGIN + (width - code.width) // 2
    y = sheets.MARGIN + sheets.HEADER + 30
    pasted = page.convert("RGB").crop((x, y, x + code.width, y + code.height))
    assert ImageChops.difference(pasted, code).getbbox() is None
    other = sheets._qr(some[0].token, size=min(width, height) - 340)
    assert ImageChops.difference(pasted, other).getbbox() is not None


def test_the_font_has_the_chinese_names() -> None:
    path = sheets.font_path()
    assert path is not None
    font = ImageFont.truetype(path, 40)

    def drawn(text: str) -> bytes:
        image = Image.new("L", (60, 60), 255)
        ImageDraw.Draw(image).text((5, 5), text, font=font, fill=0)
        return image.tobytes()

    missing = drawn("\ue000")  # a private-use code point: the font's "no such glyph" box
    assert drawn("徽") != missing and drawn("巡") != missing and drawn("徽") != drawn("巡")


def test_every_character_of_the_data_set_and_the_category_tree_has_a_glyph() -> None:
    """Names are editable and the monthly reports will print department and category names:
    what the data set holds must print, not as boxes. Every GB 2312 character is in too."""
    path = sheets.font_path()
    assert path is not None and path.endswith("NotoSansSC-Regular-GB2312.ttf"), path
    with TTFont(path, lazy=True) as font:
        glyphs = set(font.getBestCmap())
    text = "".join(
        f.read_text(encoding="utf-8") for f in (REPO / "deploy" / "data" / "fangxing").iterdir()
    )
    text += (REPO / "deploy" / "local" / "src" / "zg_local" / "catalogue.yaml").read_text("utf-8")
    printable = {c for c in text if c.isprintable() and not c.isspace()}
    assert sorted(c for c in printable if ord(c) not in glyphs) == []
    gb2312 = {
        bytes([hi, lo]).decode("gb2312")
        for hi in range(0xB0, 0xF8)  # the 6,763 hanzi (levels 1 and 2)
        for lo in range(0xA1, 0xFF)
        if (hi, lo) not in {(0xD7, x) for x in range(0xFA, 0xFF)}
    }
    assert len(gb2312) == 6763 and all(ord(c) in glyphs for c in gb2312)


def test_the_pdf_has_every_page() -> None:
    data = sheets.pdf("G01", cards(13), valid_until=date(2027, 12, 31))
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 3
