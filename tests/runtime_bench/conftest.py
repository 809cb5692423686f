"""What the runtime_bench tests share beyond tests/conftest.py (pytest finds that one above).

The test files import `benchfakes` (the fake adb, synthetic results, fake artifacts, and the
FIXTURES and REPO paths) by name, at any folder depth: this puts tests/fixtures/bench on
sys.path before pytest imports them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "bench"))
