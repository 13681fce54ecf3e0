"""Printable QR sheets: the points of a grid or a route as cards on A4 pages (six a page), each
with its signed code, its number, name, address and what scanning it does; as a PDF of all
pages or a PNG of one. Pure rendering (Pillow, qrcode); the tokens come from the caller."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

DPI = 200
PAGE = (1654, 2339)  # A4 at 200 dpi
MARGIN = 80
COLUMNS, ROWS = 2, 3
PER_PAGE = COLUMNS * ROWS
HEADER = 120
# Noto Sans SC Regular (OFL), subset to GB 2312 and the data set (zg_common/fonts/README.md): names
# and addresses are Chinese, and the machines that print may have no CJK font
CJK_FONT = ("zg_common", "fonts/NotoSansSC-Regular-GB2312.ttf")
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class Card:
    point_id: str
    code: str  # the point's number (FX-G01-0001), printed under the QR
    name: str
    address: str
    object_type: str
    token: str  # what the QR carries


@cache
def font_path(configured: str | None = None) -> str | None:
    """The font to print with: the configured one, else the bundled Noto Sans SC, else a
    system font (without a CJK font, Chinese text would print as boxes)."""
    if configured:
        return configured
    try:
        bundled = resources.files(CJK_FONT[0]) / CJK_FONT[1]
        if bundled.is_file():
            return str(bundled)
    except ModuleNotFoundError:
        pass
    return next((p for p in SYSTEM_FONTS if Path(p).is_file()), None)


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int, configured: str | None) -> Font:
    path = font_path(configured)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def pages(count: int) -> int:
    return max((count + PER_PAGE - 1) // PER_PAGE, 1)


def render_page(
    title: str,
    cards: Sequence[Card],
    *,
    page: int,
    valid_until: date,
    font: str | None = None,
) -> Image.Image:
    """Page `page` (1-based) of the sheet."""
    total = pages(len(cards))
    image = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(image)
    big, mid, small = _font(46, font), _font(34, font), _font(26, font)
    draw.text((MARGIN, MARGIN), title, fill="black", font=big)
    draw.text(
        (PAGE[0] - MARGIN, MARGIN + 10),
        f"{page} / {total}",
        fill="black",
        font=mid,
        anchor="ra",
    )
    width = (PAGE[0] - 2 * MARGIN) // COLUMNS
    height = (PAGE[1] - 2 * MARGIN - HEADER) // ROWS
    for n, card in enumerate(cards[(page - 1) * PER_PAGE : page * PER_PAGE]):
        x = MARGIN + (n % COLUMNS) * width
        y = MARGIN + HEADER + (n // COLUMNS) * height
        draw.rectangle((x + 10, y + 10, x + width - 10, y + height - 10), outline="black", width=3)
        code = _qr(card.token, size=min(width, height) - 340)
        image.paste(code, (x + (width - code.width) // 2, y + 30))
        middle, room = x + width // 2, width - 60
        text_y = y + 40 + code.height
        draw.text((middle, text_y), card.code, fill="black", font=big, anchor="ma")
        text_y += 60
        for line, face, step in (
            (card.name, mid, 48),
            (card.address, small, 38),
            ("扫码签到 · 监督评价 · 反映问题", small, 38),
            ("Scan to check in, rate or report a problem", small, 38),
            (f"{card.object_type} · 有效期至 valid until {valid_until.isoformat()}", small, 38),
        ):
            draw.text((middle, text_y), _fit(draw, line, face, room), fill="black", font=face,
                      anchor="ma")  # fmt: skip
            text_y += step
    return image


def _fit(draw: ImageDraw.ImageDraw, text: str, face: Font, room: int) -> str:
    """The text, cut with an ellipsis to fit `room` pixels."""
    if draw.textlength(text, font=face) <= room:
        return text
    while text and draw.textlength(text + "…", font=face) > room:
        text = text[:-1]
    return text + "…"


def _qr(token: str, *, size: int) -> Image.Image:
    """The code at most `size` pixels wide, every module the same whole number of pixels."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, box_size=1)
    code.add_data(token)
    code.make(fit=True)
    made = code.make_image(fill_color="black", back_color="white")
    image: Image.Image = made.get_image().convert("RGB")
    side = image.width * max(size // image.width, 1)
    return image.resize((side, side), Image.Resampling.NEAREST)


def pdf(title: str, cards: Sequence[Card], *, valid_until: date, font: str | None = None) -> bytes:
    """Every page, as one PDF."""
    images = [  # black and white: sharp edges for the scanners, small files
        render_page(title, cards, page=n, valid_until=valid_until, font=font).convert("1")
        for n in range(1, pages(len(cards)) + 1)
    ]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=images[1:], title=title)
    return out.getvalue()


def png(
    title: str, cards: Sequence[Card], *, page: int, valid_until: date, font: str | None = None
) -> bytes:
    out = io.BytesIO()
    image = render_page(title, cards, page=page, valid_until=valid_until, font=font)
    image.save(out, "PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()
