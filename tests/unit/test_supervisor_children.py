"""The local supervisor sees a child's exit even when a grandchild holds the child's output
pipe open (a solver pool's forkserver does), and clears what the child left in its process
group — so a crashed service is restarted and a stopped one stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from zg_local.supervisor import exited, reap_group

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
