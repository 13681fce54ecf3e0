"""Sample photos and videos built in memory: with a location, disguised, truncated, bombs."""

from __future__ import annotations

import io
import random
import struct

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP_WITH_LOCATION = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,48.06N" '
    b'exif:GPSLongitude="117,18.12E"/></rdf:RDF></x:xmpmeta>'
)
# ISO 6709, as phones write it into videos
VIDEO_LOCATION = b"+31.8012+117.3021/"


def exif_with_location(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "ZongguanCam"  # make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (31.0, 48.0, 4.32)
    gps[3] = "E"
    gps[4] = (117.0, 18.0, 7.56)
    return exif


def jpeg(
    size: tuple[int, int] = (64, 48),
    *,
    location: bool = True,
    orientation: int = 1,
    noise: bool = False,
) -> bytes:
    if noise:  # incompressible: for files of a chosen size
        rng = random.Random(7)
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if location:
        image.save(
            out, "JPEG", exif=exif_with_location(orientation).tobytes(), xmp=XMP_WITH_LOCATION
        )
    else:
        image.save(out, "JPEG", quality=95 if noise else 75)
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30), *, location: bool = True) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA", size, (0, 120, 0, 128))
    image.save(out, "PNG", exif=exif_with_location().tobytes() if location else None)
    return out.getvalue()


def heic(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 10, 200)).save(out, "HEIF", exif=exif_with_location().tobytes())
    return out.getvalue()


def png_bomb(side: int = 12_000) -> bytes:
    """A few kilobytes that decode to side x side pixels."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def box(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), name) + payload


def mp4(*, location: bool = True, moov: bool = True, brand: bytes = b"isom") -> bytes:
    """A minimal ISO-BMFF file: ftyp, moov (with the two places phones put a location), mdat."""
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"isomiso2mp41")
    children = [box(b"mvhd", b"\x00" * 100)]
    if location:
        xyz = box(b"\xa9xyz", struct.pack(">HH", len(VIDEO_LOCATION), 0x15C7) + VIDEO_LOCATION)
        children.append(box(b"udta", xyz))
        key = b"com.apple.quicktime.location.ISO6709"
        keys = box(b"keys", b"\x00\x00\x00\x00" + struct.pack(">I", 1) + box(b"mdta", key))
        data = box(b"data", struct.pack(">II", 1, 0) + VIDEO_LOCATION)
        ilst = box(b"ilst", box(struct.pack(">I", 1), data))
        hdlr = box(b"hdlr", b"\x00" * 8 + b"mdta" + b"\x00" * 13)
        children.append(box(b"meta", hdlr + keys + ilst))
    body = ftyp + (box(b"moov", b"".join(children)) if moov else b"")
    return body + box(b"mdat", b"\x00\x01\x02\x03" * 64)
