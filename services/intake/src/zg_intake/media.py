"""Photos and videos of a case: what a file is (from its bytes, never its name), and the copies
others may see: images re-encoded without any metadata (EXIF location included), videos with
their location atoms blanked in place, thumbnails for the map and the app.

Pure functions over files and bytes, CPU-bound: the service runs them in a worker thread."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

Kind = Literal["photo", "video"]

# Brands of the ISO base media file format (ftyp box) by what the file holds.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc", b"avif"})
VIDEO_BRANDS = {
    b"qt  ": "video/quicktime",
    b"3gp4": "video/3gpp",
    b"3gp5": "video/3gpp",
    b"3gp6": "video/3gpp",
    b"3g2a": "video/3gpp2",
}
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}
)
THUMBNAIL_SIZE = (320, 320)
PUBLIC_MAX_SIDE = 4096


class MediaRejected(Exception):
    """The file is not media we accept; `code` is the problem code the API answers with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    content_type: str


@dataclass(frozen=True)
class Derived:
    """A file's public copy and thumbnail (None for videos: no decoder for them here)."""

    kind: Kind
    content_type: str
    sha256: str
    size: int
    width: int | None
    height: int | None
    public: bytes | None  # None: the public copy is written in place (videos)
    public_type: str
    thumbnail: bytes | None
    location_removed: bool


def sniff(head: bytes) -> Sniffed:
    """The type of a file from its first bytes (at least 16)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("photo", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("photo", "image/png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("photo", "image/webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIF_BRANDS:
            return Sniffed("photo", "image/avif" if brand == b"avif" else "image/heic")
        if brand in VIDEO_BRANDS:
            return Sniffed("video", VIDEO_BRANDS[brand])
        if brand in MP4_BRANDS:
            return Sniffed("video", "video/mp4")
    raise MediaRejected(
        "unsupported_media_type",
        "The file is not a JPEG, PNG, WebP or HEIC photo nor an MP4, QuickTime or 3GP video "
        "(judged by its content, not its name)",
    )


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def derive_photo(path: Path, sniffed: Sniffed, *, max_pixels: int) -> Derived:
    """Decode the photo fully (a file that only starts like an image is refused), then build the
    public copy without metadata, turned upright, and the thumbnail."""
    sha, size = sha256_of(path)
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                had_location = _has_location(opened)
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRejected(
            "image_too_large", f"The photo has more than {max_pixels:,} pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaRejected("media_unreadable", "The photo could not be decoded") from exc
    width, height = image.size
    public_image = image.copy()
    public_image.thumbnail((PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE))
    if sniffed.content_type == "image/png":
        public, public_type = _encode(public_image, "PNG"), "image/png"
    elif sniffed.content_type == "image/webp":
        public, public_type = _encode(public_image, "WEBP", quality=88), "image/webp"
    else:  # JPEG, and HEIC/AVIF, which many browsers cannot show, become JPEG
        public, public_type = _encode(_rgb(public_image), "JPEG", quality=88), "image/jpeg"
    thumb = _rgb(image)
    thumb.thumbnail(THUMBNAIL_SIZE)
    return Derived(
        kind="photo",
        content_type=sniffed.content_type,
        sha256=sha,
        size=size,
        width=width,
        height=height,
        public=public,
        public_type=public_type,
        thumbnail=_encode(thumb, "JPEG", quality=80),
        location_removed=had_location,
    )


def _has_location(image: Image.Image) -> bool:
    exif = image.getexif()
    gps = exif.get_ifd(0x8825) if 0x8825 in exif else {}
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode()
    return bool(gps) or b"GPSLatitude" in xmp or b"GPSLongitude" in xmp


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, fmt: str, **options: int) -> bytes:
    # Saved from pixels only: no exif=, xmp= or comment is passed, so none is written.
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


# --- videos: ISO base media file format (MP4, QuickTime, 3GP) -----------------------------------

CONTAINERS = frozenset({b"moov", b"udta", b"meta", b"trak", b"mdia", b"minf", b"ilst"})
LOCATION_KEYS = (b"com.apple.quicktime.location.ISO6709",)


def check_video(path: Path) -> tuple[str, int]:
    """Walk the top-level boxes: they must tile the file and hold a `moov` (a truncated or
    disguised file is refused). Returns the hash and size."""
    sha, size = sha256_of(path)
    with path.open("rb") as f:
        names = [name for name, _, _ in _boxes(f, 0, size)]
    if b"moov" not in names:
        raise MediaRejected("media_unreadable", "The video has no movie header (moov box)")
    return sha, size


def blank_video_location(path: Path) -> bool:
    """Overwrite, in place and at the same length, the location a phone wrote into a video:
    QuickTime `©xyz` user data and the `mdta` key com.apple.quicktime.location.ISO6709.
    Offsets do not move, so the file stays playable. True if something was blanked."""
    size = path.stat().st_size
    blanked = False
    with path.open("r+b") as f:
        for name, start, end in _walk(f, 0, size):
            if name == b"\xa9xyz" and end - start > 4:
                # payload: 2-byte length, 2-byte language, then the ISO 6709 text
                f.seek(start + 4)
                f.write(b" " * (end - start - 4))
                blanked = True
            elif name == b"meta":
                blanked |= _blank_mdta_location(f, start, end)
    return blanked


def _boxes(f: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes between start and end."""
    offset = start
    while offset < end:
        f.seek(offset)
        header = f.read(8)
        if len(header) < 8:
            raise MediaRejected("media_unreadable", "The video is truncated")
        box_size, name = struct.unpack(">I4s", header)
        payload = offset + 8
        if box_size == 1:
            large = f.read(8)
            if len(large) < 8:
                raise MediaRejected("media_unreadable", "The video is truncated")
            box_size = struct.unpack(">Q", large)[0]
            payload = offset + 16
        elif box_size == 0:
            box_size = end - offset
        if box_size < payload - offset or offset + box_size > end:
            raise MediaRejected("media_unreadable", "The video's boxes do not fit its size")
        yield name, payload, offset + box_size
        offset += box_size


def _walk(f: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    for name, payload, box_end in list(_boxes(f, start, end)):
        yield name, payload, box_end
        if name in CONTAINERS and name != b"meta":
            yield from _walk(f, payload, box_end)


def _blank_mdta_location(f: BinaryIO, start: int, end: int) -> bool:
    """In a QuickTime `meta` box: find the index of the location key in `keys`, then blank the
    value of that index in `ilst`."""
    # QuickTime's meta has no version/flags field; the ISO one has 4 bytes of them.
    f.seek(start)
    inner = start if f.read(8)[4:8] == b"hdlr" else start + 4
    try:
        children = list(_boxes(f, inner, end))
    except MediaRejected:
        return False
    keys = next(((p, e) for n, p, e in children if n == b"keys"), None)
    ilst = next(((p, e) for n, p, e in children if n == b"ilst"), None)
    if keys is None or ilst is None:
        return False
    f.seek(keys[0] + 4)
    (count,) = struct.unpack(">I", f.read(4))
    wanted: set[int] = set()
    offset = keys[0] + 8
    for index in range(1, count + 1):
        f.seek(offset)
        key_size, _namespace = struct.unpack(">I4s", f.read(8))
        if key_size < 8:
            return False
        if f.read(key_size - 8) in LOCATION_KEYS:
            wanted.add(index)
        offset += key_size
    blanked = False
    for name, payload, box_end in _boxes(f, ilst[0], ilst[1]):
        if struct.unpack(">I", name)[0] in wanted:
            for data_name, data_payload, data_end in _boxes(f, payload, box_end):
                if data_name == b"data" and data_end - data_payload > 8:
                    f.seek(data_payload + 8)  # type and locale, then the value
                    f.write(b" " * (data_end - data_payload - 8))
                    blanked = True
    return blanked
