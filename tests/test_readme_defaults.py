"""What README's configuration table says the defaults are is what portal.config uses."""

from __future__ import annotations

import re
from pathlib import Path

from portal import config

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_readme_names_the_default_database_file_the_portal_uses():
    row = next(line for line in README.read_text().splitlines() if line.startswith("| `DATABASE_URL` |"))
    documented = re.search(r"`sqlite:///([^`]+)`", row).group(1)
    # The default as written in portal/config.py (Config's URI is read once, with DATABASE_URL if set).
    source = Path(config.__file__).read_text()
    name = re.search(r"database_url\(f\"sqlite:///\{INSTANCE_DIR / '([^']+)'\}\"\)", source).group(1)
    assert ROOT / documented == config.INSTANCE_DIR / name
    # Nowhere else in the README, the Makefile or the docs is the file given another name.
    for path in [README, ROOT / "Makefile", *sorted((ROOT / "docs").glob("**/*.md"))]:
        if path.exists():
            assert "portal.db" not in path.read_text().replace("portal.database", ""), path
