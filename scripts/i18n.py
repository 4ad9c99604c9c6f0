"""Extract translatable strings per package and update the Urdu catalogues.

Each package owns a gettext domain (portal/translations/ur/LC_MESSAGES/<domain>.po), so that
people working on different packages never edit the same catalogue:
  messages  → portal/ outside health, education and dashboard (layout, auth, notifications, demo)
  health    → portal/health      education → portal/education      dashboard → portal/dashboard

Catalogues are written unwrapped (one line per message), so that an untranslated entry is exactly a
`msgstr ""` line that no continuation follows, and a diff of a changed translation is one line.

Usage: python scripts/i18n.py [domain ...]     (then translate the new entries and run make translations)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
OWN_PACKAGES = ("health", "education", "dashboard")
DOMAINS = {"messages": "portal", **{name: f"portal/{name}" for name in OWN_PACKAGES}}
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "-k", "gettext", "-k", "ngettext:1,2"]


def pybabel(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), *args], check=True, cwd=ROOT)


def update(domain: str) -> None:
    source = DOMAINS[domain]
    pot = TRANSLATIONS / f"{domain}.pot"
    ignore = []
    if domain == "messages":
        for name in OWN_PACKAGES:
            ignore += ["--ignore-dirs", name]
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        *KEYWORDS,
        *ignore,
        "--no-location",
        "--sort-output",
        "--omit-header",
        "--no-wrap",
        "-o",
        str(pot),
        source,
    )
    po = TRANSLATIONS / "ur" / "LC_MESSAGES" / f"{domain}.po"
    if po.exists():
        pybabel(
            "update",
            "-D",
            domain,
            "-i",
            str(pot),
            "-d",
            str(TRANSLATIONS),
            "-l",
            "ur",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
            "--omit-header",
            "--no-wrap",
        )
    else:
        pybabel("init", "-D", domain, "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "ur", "--no-wrap")
    pot.unlink()


if __name__ == "__main__":
    for name in sys.argv[1:] or DOMAINS:
        update(name)
