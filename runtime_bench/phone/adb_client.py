"""The one place that builds adb command lines: every remote command quoted, every call timed out.

`adb shell a b c` does not pass an argv to the phone: adb joins its arguments with spaces into
one string and the device's `sh -c` parses it again (`exec-out` does the same). So each remote
command is rendered here with `shlex.join`, and the only unquoted shell syntax that ever leaves
this module is a `Glob`'s pattern, which is checked against a strict pattern. Names from
manifests are also validated where they are read (runtime_bench.artifacts.safe_name); quoting is
the second, independent line of defence.

Every adb process runs under a timeout: a hung adb (a phone in a bad state, a stuck USB link)
becomes a one-line error naming the device and the step instead of a benchmark that waits
forever.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass

from runtime_bench.errors import DeviceError

#: adb's messages when the device went away under us
LOST_MARKERS = ("not found", "device offline", "no devices", "device unauthorized", "closed")
#: seconds for `adb devices -l`, which talks to the local adb server only
LISTING_TIMEOUT = 60.0
#: default seconds for one adb command (a push of a large .pte over USB 2 fits in it)
DEFAULT_TIMEOUT = 300.0
_GLOB_PATTERN = re.compile(r"[A-Za-z0-9._*-]+")


class DeviceLost(Exception):
    """The device vanished or stopped answering mid-run (turned into a line naming the step)."""


@dataclass(frozen=True)
class Glob:
    """`<directory>/<pattern>` with the directory quoted and the pattern left to the remote shell."""

    directory: str
    pattern: str

    def render(self) -> str:
        if _GLOB_PATTERN.fullmatch(self.pattern) is None:
            raise ValueError(f"glob pattern {self.pattern!r} is not a plain file pattern")
        return f"{shlex.quote(self.directory)}/{self.pattern}"


def remote_command(*argv: str | Glob) -> str:
    """One remote shell command line in which every argument reaches the program unchanged."""
    return " ".join(a.render() if isinstance(a, Glob) else shlex.quote(a) for a in argv)


def list_devices(adb: str, timeout: float = LISTING_TIMEOUT) -> str:
    """The text of `adb devices -l`, or a one-line error if adb fails or does not answer."""
    try:
        listing = subprocess.run(
            [adb, "devices", "-l"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DeviceError(
            f"`adb devices -l` did not answer within {timeout:g}s; restart the adb server "
            "(`adb kill-server`) and check the USB connection"
        ) from None
    if listing.returncode != 0:
        raise DeviceError(f"`adb devices -l` failed: {(listing.stderr or listing.stdout).strip()}")
    return listing.stdout


class AdbClient:
    """adb commands for one device; any sign of the device vanishing raises DeviceLost."""

    def __init__(self, adb: str, serial: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.adb = adb
        self.serial = serial
        self.timeout = timeout

    def _call(
        self, args: tuple[str, ...], remote_errors: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """One adb process under the timeout; a hung or vanished device raises DeviceLost.

        With `remote_errors` the device command's own messages are answers (a remote
        "taskset: not found" is no lost device): only adb's own "error: ..." lines count."""
        shown = " ".join(args)[:120]
        try:
            proc = subprocess.run(
                [self.adb, "-s", self.serial, *args],
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DeviceLost(
                f"no answer to `adb {shown}` within {self.timeout:g}s; unlock the phone, "
                "reconnect it, restart adb (`adb kill-server`) or raise --adb-timeout"
            ) from None
        if proc.returncode != 0:
            message = ((proc.stdout + proc.stderr).strip().splitlines() or [""])[-1]
            from_adb = not remote_errors or message.startswith("error:")
            if from_adb and any(marker in message.lower() for marker in LOST_MARKERS):
                raise DeviceLost(message)
        return proc

    def run(self, *args: str, allow_failure: bool = False) -> str:
        """A local adb command (push, install): its arguments never pass through a shell."""
        proc = self._call(args)
        if proc.returncode != 0 and not allow_failure:
            output = proc.stdout + proc.stderr
            message = (output.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            raise DeviceError(f"adb {' '.join(args)[:60]} failed on {self.serial}: {message}")
        return proc.stdout

    def shell_status(self, *argv: str | Glob) -> tuple[int, str]:
        """A device command whose refusal is an answer: its exit status and all its output."""
        proc = self._call(("shell", remote_command(*argv)), remote_errors=True)
        return proc.returncode, proc.stdout + proc.stderr

    def shell(self, *argv: str | Glob, allow_failure: bool = False) -> str:
        """Run one command in the device's shell, every argument quoted."""
        return self.run("shell", remote_command(*argv), allow_failure=allow_failure)

    def exec_out(self, *argv: str, allow_failure: bool = False) -> str:
        """Like shell, with a raw (binary-safe) stdout: for reading files off the device."""
        return self.run("exec-out", remote_command(*argv), allow_failure=allow_failure)

    def push(self, local: str, remote: str) -> str:
        return self.run("push", local, remote)

    def install(self, apk: str) -> str:
        return self.run("install", "-r", apk)
