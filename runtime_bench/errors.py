"""runtime_bench's user-facing failures, in the export pipeline's one-line-error family.

The CLI prints `str(error)` on one line and exits with `exit_code` (export.errors.EXIT_CODES);
every message names the problem and the fix.
"""

from __future__ import annotations

from export.errors import ConfigError


class BenchError(ConfigError):
    """A benchmark cannot run as asked (bad option, bad artifacts directory): a usage error."""


class DeviceError(BenchError):
    """adb or an Android device is missing, ambiguous, unauthorized or lost."""

    exit_code = 3
