"""A loopback SSH server for the fleet test that uses the real `ssh` client: asyncssh, run as a script.

`python tests/loopback_ssh_server.py FOLDER` listens on 127.0.0.1 on a free port with a throwaway
host key, accepts only the client key FOLDER/client_key.pub (no passwords), runs each session's
command with `sh -c` as this user (stdin, stdout, stderr and the exit code carried over the
channel, so closing the client's stdin reaches the command as end of input), and prints
`PORT <n>` once it is ready. It stops on SIGTERM. OpenSSH's sshd would be the same test, but as
root it needs a privilege-separation user that a test may not create.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import asyncssh


async def _run_command(process: asyncssh.SSHServerProcess) -> None:
    local = await asyncio.create_subprocess_exec(
        "sh",
        "-c",
        process.command or "true",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await process.redirect(stdin=local.stdin, stdout=local.stdout, stderr=local.stderr)
    try:
        process.exit(await local.wait())
    except asyncssh.Error:
        pass


async def _serve(folder: Path) -> None:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(
        asyncssh.SSHServer,
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        authorized_client_keys=str(folder / "client_key.pub"),
        process_factory=_run_command,
        encoding=None,
        password_auth=False,
        kbdint_auth=False,
    )
    (folder / "host_key.pub").write_bytes(host_key.export_public_key())
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1])))
