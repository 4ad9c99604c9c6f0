"""A small crawler for tests: follows the links a signed-in person sees and collects every form."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, dict] = field(default_factory=dict)  # name -> {"type":..., "options": [...], "value":...}

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.method, self.action, tuple(sorted(self.fields)))


class _PageParser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.base, a["href"]))
        elif tag == "form":
            action = urljoin(self.base, a.get("action") or self.base)
            self._form = Form(self.base, action, (a.get("method") or "get").upper())
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "button") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            entry = self._form.fields.setdefault(a["name"], {"type": kind, "options": [], "value": a.get("value")})
            if kind in ("radio", "checkbox", "submit") or tag == "button":
                entry["options"].append(a.get("value", "y"))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.fields[a["name"]] = {"type": "select", "options": [], "value": None}
        elif tag == "option" and self._form is not None and self._select:
            self._form.fields[self._select]["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def local_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


SKIP = ("/logout", "/static/", "/account/sign-out-everywhere", "/language")


def crawl(client, start: str = "/", limit: int = 80) -> tuple[list[str], list[Form]]:
    """Pages reached (GET 200, HTML) and the distinct forms on them."""
    seen, queue, pages, forms = set(), [start], [], {}
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen or any(path.startswith(s) for s in SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()
            continue
        pages.append(path)
        parser = _PageParser("http://localhost" + path)
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            action = local_path(form.action)
            if action and not any(action.startswith(s) for s in SKIP):
                form.action = action
                forms.setdefault(form.key, form)
        for link in parser.links:
            target = local_path(link)
            if target and target not in seen and "#" not in target:
                queue.append(target)
    return pages, list(forms.values())
