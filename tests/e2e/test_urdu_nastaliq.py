"""Urdu words typed or chosen in a one-line field are drawn whole.

Nastaliq draws an initial kaf's stroke above and past the start of its word, and Chromium clips a text
box or a select to its content box: "کسی" read "لسی" in a select. The ink of the words (measured with
a canvas in the field's own font) must fit in the room the field gives it: past the start, only its
text-indent; in a text box, above and below, only the line's half-leading (Chromium keeps a select's
line-height "normal" and does not cut its words at the top or bottom, only at the start).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import switch_language

pytestmark = pytest.mark.e2e

WORDS = "کمپیوٹر کورس کسی بھی"

INK_OUTSIDE = """e => {
  const s = getComputedStyle(e);
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  ctx.direction = "rtl";
  ctx.textAlign = "right";  // the alignment point is where the words start
  const text = e.tagName === "SELECT" ? e.options[e.selectedIndex].text : e.value;
  const m = ctx.measureText(text);
  const start = m.actualBoundingBoxRight - parseFloat(s.textIndent);
  if (e.tagName === "SELECT") return {text, start, top: 0, bottom: 0};
  const lineHeight = s.lineHeight === "normal" ? m.fontBoundingBoxAscent + m.fontBoundingBoxDescent
                                               : parseFloat(s.lineHeight);
  const halfLeading = (lineHeight - m.fontBoundingBoxAscent - m.fontBoundingBoxDescent) / 2;
  return {
    text,
    start,
    top: m.actualBoundingBoxAscent - m.fontBoundingBoxAscent - halfLeading,
    bottom: m.actualBoundingBoxDescent - m.fontBoundingBoxDescent - halfLeading,
  };
}"""


@pytest.mark.parametrize("path", ["/courses", "/clinics"])
def test_urdu_words_in_a_select_or_text_box_are_not_cut(page, path):
    page.goto(path)
    switch_language(page, "ur")
    fields = page.locator("main :is(select, input[type=text], input[type=search], input:not([type])):not([dir=ltr])")
    assert fields.count() >= 2, "the search form should have a text box and a select"
    clipped = []
    for field in fields.all():
        if field.evaluate("e => e.tagName") != "SELECT":
            field.fill(WORDS)
        ink = field.evaluate(INK_OUTSIDE)
        # a pixel of anti-aliasing either way is not a cut stroke
        outside = {side: round(ink[side], 1) for side in ("start", "top", "bottom") if ink[side] > 1}
        if outside:
            clipped.append(f"{field.evaluate('e => e.name')} «{ink['text']}»: ink outside the field by {outside} px")
    assert not clipped, "\n".join(clipped)


def test_urdu_titles_have_the_line_height_of_urdu_text(page):
    """A title that wraps on a phone keeps its lines apart: Nastaliq's ink is about 2.3em tall, and the
    portal gives Urdu text a line-height of 2 (1.25, fine for English, ran the two lines into each other)."""
    page.goto("/")
    switch_language(page, "ur")
    title = page.locator("main h1")
    expect(title).to_have_count(1)
    ratio = title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) / parseFloat(getComputedStyle(e).fontSize)")
    assert ratio >= 2, f"an Urdu <h1> has a line-height of {ratio:.2f}em"
