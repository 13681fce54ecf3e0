"""Where media files live: a folder under the local data folder by default, any S3-compatible
object store (MinIO, Ceph, OSS, COS, AWS) by configuration. Keys are content-addressed, so the
same photo uploaded twice is stored once and a half-finished upload leaves nothing wrong."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import ClientError

CHUNK = 256 * 1024


class MediaStore(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def put_file(self, key: str, path: Path, content_type: str) -> None: ...

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    async def exists(self, key: str) -> bool: ...

    def stream(self, key: str) -> AsyncIterator[bytes]: ...

    async def delete(self, key: str) -> None: ...


class LocalMediaStore:
    """Files under one folder; written to a temporary name and renamed, so a reader never sees
    half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def start(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"media key {key!r} leaves the media folder")
        return path

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        await asyncio.to_thread(self._write, key, lambda tmp: shutil.copyfile(path, tmp))

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, key, lambda tmp: tmp.write_bytes(data))

    def _write(self, key: str, fill: Any) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        try:
            fill(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        f = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(f.read, CHUNK):
                yield chunk
        finally:
            f.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3MediaStore:
    """An S3-compatible bucket through aiobotocore (path-style addressing, so MinIO and other
    self-hosted stores work without DNS per bucket)."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str,
        prefix: str = "",
    ) -> None:
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.prefix = prefix
        self._credentials = (access_key, secret_key, region)
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    async def start(self) -> None:
        access_key, secret_key, region = self._credentials
        session = get_session()
        self._client = await self._stack.enter_async_context(
            session.create_client(
                "s3",
                endpoint_url=self.endpoint_url,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                region_name=region,
                config=Config(
                    s3={"addressing_style": "path"},
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=60,
                ),
            )
        )

    async def close(self) -> None:
        await self._stack.aclose()

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        # one PUT: files are bounded by the upload limit (S3 takes up to 5 GB in one PUT)
        with path.open("rb") as f:
            await self._client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=f, ContentType=content_type
            )

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    async def exists(self, key: str) -> bool:
        try:
            await self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        response = await self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        async with response["Body"] as body:
            while chunk := await body.read(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=self._key(key))


def spooled_copy(source: Path) -> Path:
    """A private copy of a file, for processing that writes in place."""
    fd, name = tempfile.mkstemp(prefix="zg-media-", suffix=".part")
    os.close(fd)
    shutil.copyfile(source, name)
    return Path(name)
