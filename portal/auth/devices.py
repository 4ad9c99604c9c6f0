"""A device named by its browser and system, read from the User-Agent: "Chrome" on "Android".

Enough for a person to tell their phone from a cyber café's computer in the list of their sign-ins; the
User-Agent itself is not kept. The few browsers and systems people in Punjab use are known by name; any
other is None ("unknown" on the page)."""

from __future__ import annotations

# First match wins: many browsers also name the ones they are built on ("Chrome/… Safari/…").
BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("UCBrowser/", "UC Browser"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)
# A User-Agent is whatever the client sends: only its start is read.
READ = 512


def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """(browser, system) of this User-Agent; None for either that is not recognised."""
    text = (user_agent or "")[:READ]
    browser = next((name for mark, name in BROWSERS if mark in text), None)
    system = next((name for mark, name in SYSTEMS if mark in text), None)
    return browser, system
