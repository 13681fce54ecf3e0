"""Media checks: the type from the content, and public copies without any location."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests import media_samples as samples
from zg_intake import media


def write(tmp_path: Path, data: bytes, name: str = "upload.jpg") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [
        (samples.jpeg(), "photo", "image/jpeg"),
        (samples.png(), "photo", "image/png"),
        (samples.heic(), "photo", "image/heic"),
        (samples.mp4(), "video", "video/mp4"),
        (samples.mp4(brand=b"qt  "), "video", "video/quicktime"),
        (samples.mp4(brand=b"3gp5"), "video", "video/3gpp"),
    ],
)
def test_the_type_comes_from_the_content(data: bytes, kind: str, content_type: str) -> None:
    sniffed = media.sniff(data[:32])
    assert (sniffed.kind, sniffed.content_type) == (kind, content_type)


@pytest.mark.parametrize(
    "data",
    [
        b"<?php system($_GET['c']); ?>",  # a script named photo.jpg
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 24,  # a Windows executable
        b"%PDF-1.7\n" + b"\x00" * 24,
        b"GIF89a" + b"\x00" * 26,  # a real image type we do not take
        b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 20,  # audio in an MP4 box
    ],
)
def test_files_that_are_not_our_media_are_refused_whatever_their_name(data: bytes) -> None:
    with pytest.raises(media.MediaRejected) as refused:
        media.sniff(data[:32])
    assert refused.value.code == "unsupported_media_type"


def no_location_in(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        assert samples.GPS_IFD not in exif
        assert not exif.get_ifd(samples.GPS_IFD)
        assert "xmp" not in image.info
    for marker in (b"GPS", b"Exif\x00\x00", b"xmpmeta", b"ZongguanCam"):
        assert marker not in data, marker


def test_a_photo_loses_its_exif_and_xmp_location_and_stands_upright(tmp_path: Path) -> None:
    # orientation 6: the camera was turned; the pixels are stored 64x48, shown 48x64
    original = samples.jpeg((64, 48), orientation=6)
    assert b"GPS" in original and b"xmpmeta" in original  # the sample does carry a location
    derived = media.derive_photo(write(tmp_path, original), media.sniff(original), max_pixels=10**8)
    assert derived.location_removed
    assert derived.public is not None and derived.thumbnail is not None
    no_location_in(derived.public)
    no_location_in(derived.thumbnail)
    with Image.open(io.BytesIO(derived.public)) as public:
        assert public.size == (48, 64)
        assert public.format == "JPEG"
    assert (derived.width, derived.height) == (48, 64)
    assert derived.size == len(original) and len(derived.sha256) == 64


def test_a_photo_without_location_says_so(tmp_path: Path) -> None:
    data = samples.jpeg(location=False)
    derived = media.derive_photo(write(tmp_path, data), media.sniff(data), max_pixels=10**8)
    assert not derived.location_removed


def test_png_keeps_its_format_and_heic_becomes_jpeg(tmp_path: Path) -> None:
    data = samples.png()
    derived = media.derive_photo(write(tmp_path, data), media.sniff(data), max_pixels=10**8)
    assert derived.public_type == "image/png" and derived.location_removed
    assert derived.public is not None
    no_location_in(derived.public)
    data = samples.heic()
    derived = media.derive_photo(write(tmp_path, data), media.sniff(data), max_pixels=10**8)
    assert derived.public_type == "image/jpeg" and derived.location_removed
    assert derived.public is not None and derived.public.startswith(b"\xff\xd8\xff")
    no_location_in(derived.public)


def test_thumbnails_are_small_and_big_photos_are_capped(tmp_path: Path) -> None:
    data = samples.jpeg((5000, 1000), location=False)
    derived = media.derive_photo(write(tmp_path, data), media.sniff(data), max_pixels=10**8)
    assert derived.thumbnail is not None and derived.public is not None
    with Image.open(io.BytesIO(derived.thumbnail)) as thumb:
        assert max(thumb.size) == 320
    with Image.open(io.BytesIO(derived.public)) as public:
        assert public.size == (media.PUBLIC_MAX_SIDE, 819)
    assert (derived.width, derived.height) == (5000, 1000)


def test_a_file_that_only_starts_like_a_photo_is_refused(tmp_path: Path) -> None:
    data = b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20
    with pytest.raises(media.MediaRejected) as refused:
        media.derive_photo(write(tmp_path, data), media.sniff(data), max_pixels=10**8)
    assert refused.value.code == "media_unreadable"
    truncated = samples.jpeg((400, 300), noise=True)[:2000]
    with pytest.raises(media.MediaRejected) as refused:
        media.derive_photo(write(tmp_path, truncated), media.sniff(truncated), max_pixels=10**8)
    assert refused.value.code == "media_unreadable"


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    data = samples.png_bomb(12_000)
    assert len(data) < 100_000
    with pytest.raises(media.MediaRejected) as refused:
        media.derive_photo(write(tmp_path, data), media.sniff(data), max_pixels=60_000_000)
    assert refused.value.code == "image_too_large"


def test_a_video_loses_its_location_in_place(tmp_path: Path) -> None:
    data = samples.mp4()
    path = write(tmp_path, data, "clip.mp4")
    sha, size = media.check_video(path)
    assert size == len(data) and len(sha) == 64
    assert data.count(samples.VIDEO_LOCATION) == 2
    assert media.blank_video_location(path)
    blanked = path.read_bytes()
    assert samples.VIDEO_LOCATION not in blanked
    assert len(blanked) == len(data)  # offsets unchanged: still playable
    assert media.check_video(path)[1] == len(data)
    changed = [i for i, (a, b) in enumerate(zip(data, blanked, strict=True)) if a != b]
    assert len(changed) <= 2 * len(samples.VIDEO_LOCATION)


def test_a_video_without_location_is_left_alone(tmp_path: Path) -> None:
    data = samples.mp4(location=False)
    path = write(tmp_path, data, "clip.mp4")
    assert not media.blank_video_location(path)
    assert path.read_bytes() == data


@pytest.mark.parametrize(
    "data",
    [
        samples.mp4(moov=False),  # an ftyp header in front of anything
        samples.mp4()[:-40],  # truncated
        samples.mp4()[:24] + b"\xff\xff\xff\xf0moov",  # a box larger than the file
    ],
)
def test_broken_or_disguised_videos_are_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(media.MediaRejected) as refused:
        media.check_video(write(tmp_path, data, "clip.mp4"))
    assert refused.value.code == "media_unreadable"
