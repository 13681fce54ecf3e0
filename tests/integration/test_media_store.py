"""Both media stores keep the same contract: a folder, and an S3-compatible server (moto's, run
as a real HTTP server on loopback, the way MinIO would be reached)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

from zg_intake.storage import LocalMediaStore, MediaStore, S3MediaStore

pytestmark = pytest.mark.integration

ACCESS, SECRET, REGION, BUCKET = "test-access", "test-secret", "us-east-1", "zongguan-media"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str
) -> AsyncIterator[MediaStore]:
    made: MediaStore
    if request.param == "local":
        made = LocalMediaStore(tmp_path / "media")
    else:
        async with get_session().create_client(
            "s3",
            endpoint_url=s3_endpoint,
            aws_access_key_id=ACCESS,
            aws_secret_access_key=SECRET,
            region_name=REGION,
        ) as client:
            with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                await client.create_bucket(Bucket=BUCKET)
        made = S3MediaStore(
            endpoint_url=s3_endpoint,
            bucket=BUCKET,
            access_key=ACCESS,
            secret_key=SECRET,
            region=REGION,
            prefix=f"{tmp_path.name}/",
        )
    await made.start()
    try:
        yield made
    finally:
        await made.close()


async def read(store: MediaStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.stream(key)])


async def test_files_and_bytes_round_trip(store: MediaStore, tmp_path: Path) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB: several chunks
    source = tmp_path / "upload.bin"
    source.write_bytes(big)
    await store.put_file("original/ab/abc", source, "application/octet-stream")
    await store.put_bytes("thumbnail/ab/abc.jpg", b"\xff\xd8thumb", "image/jpeg")
    assert await read(store, "original/ab/abc") == big
    assert await read(store, "thumbnail/ab/abc.jpg") == b"\xff\xd8thumb"
    assert await store.exists("original/ab/abc")
    assert not await store.exists("original/ab/missing")
    await store.put_bytes("thumbnail/ab/abc.jpg", b"second", "image/jpeg")  # overwrite
    assert await read(store, "thumbnail/ab/abc.jpg") == b"second"
    await store.delete("original/ab/abc")
    await store.delete("original/ab/abc")  # deleting twice is fine
    assert not await store.exists("original/ab/abc")


async def test_a_local_key_cannot_leave_the_media_folder(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    await store.start()
    with pytest.raises(ValueError, match="leaves the media folder"):
        await store.put_bytes("../escape", b"x", "text/plain")
    assert not (tmp_path / "escape").exists()
