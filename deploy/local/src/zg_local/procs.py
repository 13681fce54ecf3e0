"""Small process helpers: port checks, running as an unprivileged user, stopping politely."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import pwd
import secrets
import signal
import socket
import stat
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path


class StartupFailed(RuntimeError):
    """The platform cannot start; the message says why in one or two sentences."""


class PortInUse(StartupFailed):
    pass


def check_ports_free(ports: dict[str, int]) -> None:
    """Fail with one clear sentence per taken port instead of a bind traceback later."""
    taken = []
    for what, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                taken.append(f"  port {port} ({what}) is already in use")
    if taken:
        raise PortInUse(
            "Cannot start: \n"
            + "\n".join(taken)
            + "\nStop the process using it (is `make run` already running?) or choose other ports,"
            " e.g. ZG_GATEWAY_HTTP_PORT=8100 ZG_PG_PORT=15532 (see README: Configuration)."
        )


def unprivileged_user(name: str) -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: when we are root, run it as a system user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def make_traversable(path: Path) -> None:
    """Let another user reach `path` (o+x on each parent that lacks it)."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def run_checked(
    what: str,
    cmd: list[str],
    *,
    capture: bool = True,
    user: int | None = None,
    group: int | None = None,
) -> None:
    """Run a setup command; on failure raise StartupFailed with its last output lines."""
    try:
        subprocess.run(cmd, check=True, capture_output=capture, user=user, group=group)
    except FileNotFoundError as exc:
        raise StartupFailed(f"{what}: {cmd[0]} is not installed or not on PATH") from exc
    except subprocess.CalledProcessError as exc:
        output = ((exc.stdout or b"") + (exc.stderr or b"")).decode(errors="replace").strip()
        tail = "\n".join(output.splitlines()[-15:])
        raise StartupFailed(f"{what} failed (exit {exc.returncode}):\n{tail}") from exc


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Children get SIGTERM if the supervisor dies, so no orphan holds a port."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def local_secret(data_dir: Path, env_name: str, file_name: str) -> str:
    """The variable if set, else a random secret kept (0600) under the local data folder, so
    that every process shares it and no secret is ever in the repository."""
    if os.environ.get(env_name):
        return os.environ[env_name]
    path = data_dir / "secrets" / file_name
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


# a line longer than this is shown cut, with how much was left out (a child's output must be
# read whatever it writes: a reader that stops leaves the child blocked on a full pipe)
MAX_LINE_BYTES = 256 * 1024


async def output_lines(stream: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """A child's output line by line, however long a line is (StreamReader's own iteration
    stops for good at a line over 64 KiB); a line over MAX_LINE_BYTES is cut."""
    buffer = b""
    skipping = False  # the rest of a cut line
    while chunk := await stream.read(65536):
        buffer += chunk
        while (newline := buffer.find(b"\n")) >= 0:
            line, buffer = buffer[:newline], buffer[newline + 1 :]
            if skipping:
                skipping = False
                continue
            yield line
        if len(buffer) > MAX_LINE_BYTES:
            if not skipping:
                yield buffer[:MAX_LINE_BYTES] + b" [line cut]"
            skipping = True
            buffer = b""
    if buffer and not skipping:
        yield buffer
