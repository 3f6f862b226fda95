"""Checks for very narrow screens (a 360 px phone at 200% zoom: 180 CSS px)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

NARROW = {"width": 180, "height": 640}

# Elements that reach past the viewport's right edge, or the page being wider than it.
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .skip')) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      const where = `${Math.round(box.left)}..${Math.round(box.right)}`;
      out.push(`${el.tagName.toLowerCase()}.${el.className}: ${where}`);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 10) };
}"""

# Words of the given elements' text that the browser split over two lines.
_BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      const words = /\\S+/g;
      for (let match = words.exec(text); match; match = words.exec(text)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const boxes = [...range.getClientRects()].filter((r) => r.width > 0);
        const lines = new Set(boxes.map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

TITLES = "h1, h2, h3, .btn, .guides a, .hits a, .brand, .langs a, nav a"


def overflow(page: Page) -> dict[str, Any]:
    """How far the page reaches past a narrow viewport: nothing, when `out` is empty."""
    result: dict[str, Any] = page.evaluate(_OVERFLOW)
    return result


def broken_words(page: Page, selector: str = TITLES) -> list[str]:
    result: list[str] = page.evaluate(_BROKEN_WORDS, selector)
    return result
