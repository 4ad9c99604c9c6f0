"""Every module of the portal can be the first one a process imports.

A worker, a `flask` command or a one-off script (the outbox's `deliver` run in a new process, say) may
start from any module; an import cycle that only some first imports reach fails that process at start.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each module imported as if first: every portal module is dropped from sys.modules before the next
# one, so nothing an earlier import loaded hides a cycle (the libraries stay loaded: a fresh
# interpreter per module would take a minute for the same answer).
IMPORT_EACH_FIRST = """
import importlib, pkgutil, sys
import portal
names = sorted(m.name for m in pkgutil.walk_packages(portal.__path__, "portal."))
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "portal" or m.startswith("portal.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {error!r}")
print(len(names))
print("\\n".join(failed))
"""


def test_every_portal_module_imports_first():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_FIRST], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    count, *failed = result.stdout.strip().split("\n")
    assert int(count) > 50, "the walk found too few modules to be the portal"
    assert [line for line in failed if line] == []
