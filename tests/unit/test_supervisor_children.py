"""The local supervisor sees a child's exit even when a grandchild holds the child's output
pipe open (a solver pool's forkserver does), and clears what the child left in its process
group — so a crashed service is restarted and a stopped one stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from zg_local.config import LocalConfig
from zg_local.supervisor import Supervisor, exited, reap_group

PARENT = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(120)\n"
)


async def test_a_childs_exit_is_seen_and_its_leftovers_cleared() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, stdout=asyncio.subprocess.PIPE, start_new_session=True
    )
    assert proc.stdout is not None
    grandchild = int((await asyncio.wait_for(proc.stdout.readline(), 10)).decode())
    os.kill(proc.pid, signal.SIGKILL)  # the service crashes; its worker holds the pipe
    assert await asyncio.wait_for(exited(proc), 10) == -signal.SIGKILL
    os.kill(grandchild, 0)  # still there
    reap_group(proc.pid)
    # the pipe closes only when the leftover holding it is gone
    await asyncio.wait_for(proc.wait(), 10)


LONG_LINE = (
    "import sys\n"
    "sys.stdout.write('x' * 300_000 + '\\n')\n"  # a traceback with a huge repr, say
    "sys.stdout.write('y' * 100_000 + '\\n')\n"
    "print('after', flush=True)\n"
)


async def test_a_child_s_output_is_read_past_a_line_over_64_kib(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """StreamReader's line iteration stops for good at a line over 64 KiB: the supervisor then
    stopped reading and the child blocked on its full pipe."""
    supervisor = Supervisor(LocalConfig.from_env(data_dir=tmp_path), with_services=False)
    child = await supervisor.spawn("chatty", [sys.executable, "-c", LONG_LINE])
    child.stopping = True  # its exit is expected: no restart
    assert await asyncio.wait_for(exited(child.proc), 20) == 0
    assert child.pump is not None
    await asyncio.wait_for(child.pump, 20)
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("chatty")]
    assert out[-1].endswith("after")
    assert out[-3].endswith(("[line cut]", "x" * 1000)), "the long line is shown (or cut)"
    assert out[-2].endswith("y" * 100_000), "a line under the cut passes whole"
    if child.watcher is not None:
        child.watcher.cancel()


async def test_a_line_without_end_is_cut_and_the_next_one_read() -> None:
    from zg_local.procs import MAX_LINE_BYTES, output_lines

    stream = asyncio.StreamReader()
    stream.feed_data(b"a" * (MAX_LINE_BYTES + 70_000))
    stream.feed_data(b"b" * 1000 + b"\nshort\n")
    stream.feed_eof()
    lines = [line async for line in output_lines(stream)]
    assert [len(line) for line in lines] == [MAX_LINE_BYTES + len(b" [line cut]"), 5]
    assert lines[1] == b"short"


SLEEPER = (
    "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\ntime.sleep(120)\n"
)


def test_the_next_start_stops_what_a_killed_supervisor_left_of_its_own() -> None:
    """A supervisor killed outright leaves its children running (a service ignoring SIGTERM
    while it hangs in shutdown, a PostgreSQL in smart shutdown): the next start stops the ones
    it recorded and the PostgreSQL of its own data folder, and nothing else."""
    import subprocess
    import tempfile

    from zg_local import leftovers

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        (data / "postgres").mkdir()
        hanging = [sys.executable, "-c", SLEEPER]
        service = subprocess.Popen(hanging, start_new_session=True, stdout=subprocess.PIPE)
        postgres = subprocess.Popen(  # stands in for `postgres -D <data>/postgres`
            [sys.executable, "-c", "import time; time.sleep(120)", str(data / "postgres")],
            start_new_session=True,
        )
        stranger = subprocess.Popen(hanging, start_new_session=True)  # not ours
        try:
            assert service.stdout is not None and service.stdout.readline() == b"ready\n"
            leftovers.record(data, [("intake", service.pid, hanging)])
            (data / "postgres" / "postmaster.pid").write_text(
                f"{postgres.pid}\n{data / 'postgres'}\n"
            )
            found = {x.name: x for x in leftovers.find(data)}
            assert set(found) == {"intake", "postgres"}
            assert found["postgres"].signal == signal.SIGINT, "fast shutdown, not smart"
            leftovers.stop(list(found.values()), grace_s=1.0)  # intake ignores SIGTERM: killed
            assert not leftovers._alive(service.pid) and not leftovers._alive(postgres.pid)
            assert leftovers._alive(stranger.pid), "a process it did not start is left alone"
            leftovers.forget(data)
            assert leftovers.find(data) == [], "what stopped is not found again"
        finally:
            for proc in (service, postgres, stranger):
                proc.kill()
                proc.wait()
            if service.stdout is not None:
                service.stdout.close()
