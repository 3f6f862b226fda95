"""Accessibility measured in the page: axe-core, colour contrast, tap targets, focus, reflow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
_AXE = Axe()

# Everything a finger or the Tab key can reach; tabIndex sorts out the unreachable ones.
_TARGETS = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"

# Colour arithmetic shared by the snippets below: computed colours, composited the way the
# browser paints them (each ancestor's background over the one behind it), and WCAG's
# contrast ratio. Background images are not considered: the pages have none behind text.
_COLOURS = """
const parseColour = (text) => {
  const m = /^rgba?\\(([^)]*)\\)$/.exec(text);
  if (!m) throw new Error(`unexpected computed colour ${text}`);
  const [r, g, b, a = 1] = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number);
  return { r, g, b, a };
};
const over = (top, bottom) => {
  const a = top.a + bottom.a * (1 - top.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
  return { r: mix('r'), g: mix('g'), b: mix('b'), a };
};
const canvasColour = () => {
  const probe = document.createElement('i');
  probe.style.backgroundColor = 'Canvas';
  document.documentElement.append(probe);
  const colour = parseColour(getComputedStyle(probe).backgroundColor);
  probe.remove();
  return colour;
};
// What shows behind an element's text: its own background and every ancestor's.
const backdrop = (el) => {
  const layers = [];
  for (let node = el; node; node = node.parentElement) {
    layers.push(parseColour(getComputedStyle(node).backgroundColor));
  }
  return layers.reverse().reduce((behind, layer) => over(layer, behind), canvasColour());
};
const opacityOf = (el) => {
  let opacity = 1;
  for (let node = el; node; node = node.parentElement) {
    opacity *= Number(getComputedStyle(node).opacity);
  }
  return opacity;
};
const luminance = ({ r, g, b }) => {
  const lin = (v) => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
const contrast = (x, y) => {
  const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
  return (hi + 0.05) / (lo + 0.05);
};
const hex = ({ r, g, b }) =>
  '#' + [r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
"""

_RENDERED = """
const describe = (el) => el.outerHTML.replace(/\\s+/g, ' ').slice(0, 140);
// Chromium lays out the content of a closed <details> (content-visibility), but shows none.
const rendered = (el) =>
  el.getClientRects().length > 0 &&
  getComputedStyle(el).visibility !== 'hidden' &&
  !el.closest('details:not([open]) > :not(summary)');
const tabbable = (el) => rendered(el) && !el.disabled && el.tabIndex >= 0;
"""

# Text contrast of every link and button painted on red: the header, the red buttons.
_RED_CONTROLS = (
    _COLOURS
    + _RENDERED
    + """(selector) => {
  const isRed = ({ r, g, b }) => r >= 80 && r >= 2 * g && r >= 2 * b;
  const found = [];
  document.querySelectorAll(selector).forEach((el, index) => {
    if (!rendered(el)) return;
    const behind = backdrop(el);
    if (!isRed(behind)) return;
    // The control's own text and any differently coloured text inside it (<small>).
    const texts = [el, ...el.querySelectorAll('*')].filter(
      (node) => [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()),
    );
    const opacity = opacityOf(el);
    const behindGroup = opacity < 1 ? backdrop(el.parentElement) : behind;
    const ratios = texts.map((node) => {
      const colour = parseColour(getComputedStyle(node).color);
      // Translucent text inside the control (opacity below the control's own) is fainter.
      const faded = { ...colour, a: (colour.a * opacityOf(node)) / opacity };
      const text = over(faded, backdrop(node));
      // A translucent control (opacity) is painted over what lies behind it.
      const seenText = over({ ...text, a: opacity }, behindGroup);
      const seenBack = over({ ...backdrop(node), a: opacity }, behindGroup);
      return { ratio: contrast(seenText, seenBack), text: hex(seenText), back: hex(seenBack) };
    });
    if (ratios.length === 0) return;
    const worst = ratios.reduce((p, q) => (q.ratio < p.ratio ? q : p));
    found.push({ index, html: describe(el), disabled: Boolean(el.disabled), ...worst });
  });
  return found;
}"""
)

# The size of every target; an inline link inside a sentence is marked as such.
_TAP_TARGETS = (
    _RENDERED
    + """(selector) => {
  const targetsIn = (block) => [...block.querySelectorAll(selector)];
  // WCAG 2.5.8's inline exception: a link laid out as text (display: inline) in a block
  // whose own words, outside any target, make a sentence around it.
  const inlineInSentence = (el) => {
    if (getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) {
      block = block.parentElement;
    }
    const clone = block.cloneNode(true);
    targetsIn(clone).forEach((target) => target.remove());
    return /\\p{L}{2,}/u.test(clone.textContent);
  };
  return [...document.querySelectorAll(selector)].filter(rendered).map((el) => {
    let box = el.getBoundingClientRect();
    const offscreen = box.right <= 0 || box.bottom <= 0;
    if (offscreen) {
      // The skip link only appears when focused: measure it as it then is.
      el.focus();
      box = el.getBoundingClientRect();
      el.blur();
    }
    return {
      html: describe(el),
      width: box.width,
      height: box.height,
      inline: inlineInSentence(el),
      offscreen,
    };
  });
}"""
)

# Marks the reachable elements in DOM order and notes how each looks without focus.
_MARK_TABBABLE = (
    _RENDERED
    + """(selector) => {
  document.activeElement?.blur();
  const targets = [...document.querySelectorAll(selector)].filter(tabbable);
  const styleOf = (el) => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|');
  };
  window.__a11yTargets = targets.map((el) => ({ el, unfocused: styleOf(el) }));
  return targets.map((el) => el.closest('main') !== null);
}"""
)

# Where focus is now, and whether a sighted keyboard user can see it.
_FOCUS = (
    _COLOURS
    + _RENDERED
    + """() => {
  const el = document.activeElement;
  const index = window.__a11yTargets.findIndex((t) => t.el === el);
  if (!el || el === document.body || index < 0) {
    return { index, html: el ? describe(el) : '' };
  }
  const s = getComputedStyle(el);
  const focused = [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|');
  const outlineWidth = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth);
  const box = el.getBoundingClientRect();
  const inView = box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight + 0.5
    && box.right <= innerWidth + 0.5;
  // Focus not obscured: what is painted at the target's centre is the target itself.
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const outline = s.outlineStyle === 'none' ? null : parseColour(s.outlineColor);
  return {
    index,
    html: describe(el),
    changed: focused !== window.__a11yTargets[index].unfocused,
    outlineWidth,
    boxShadow: s.boxShadow,
    outlineContrast: outline ? contrast(over(outline, backdrop(el.parentElement)),
                                        backdrop(el.parentElement)) : 0,
    inView,
    unobscured: hit !== null && (el.contains(hit) || hit.contains(el)),
  };
}"""
)

# Anything moving: running animations, and the durations the styles would animate with.
_MOTION = """() => {
  const moving = [];
  const seconds = (list) =>
    list.split(',').map((v) => parseFloat(v) * (v.includes('ms') ? 0.001 : 1));
  for (const animation of document.getAnimations()) {
    moving.push(`running ${animation.constructor.name} on ${animation.effect?.target?.tagName}`);
  }
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of [null, '::before', '::after', '::marker']) {
      const s = getComputedStyle(el, pseudo);
      const animated = s.animationName !== 'none' && Math.max(...seconds(s.animationDuration)) > 0;
      const transitioned = Math.max(...seconds(s.transitionDuration)) > 0;
      if (animated || transitioned) {
        const what = animated
          ? `animation ${s.animationName}`
          : `transition ${s.transitionProperty}`;
        moving.push(`${el.tagName.toLowerCase()}${pseudo || ''}.${el.className}: ${what}`);
      }
    }
  }
  if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') {
    moving.push('smooth scrolling');
  }
  return moving;
}"""

# The elements that stick out to the right, which is what makes a page scroll sideways.
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .map((el) => `${el.outerHTML.replace(/\\s+/g, ' ').slice(0, 100)}`);
  return { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
}"""

# The page's own colours, and the contrast of its body text.
_PAGE_COLOURS = (
    _COLOURS
    + """() => {
  const body = getComputedStyle(document.body);
  const back = backdrop(document.body);
  const text = over(parseColour(body.color), back);
  return { back: hex(back), text: hex(text), ratio: contrast(text, back) };
}"""
)

# What app.js does when it shows its prompts and the save-all progress: unhide them.
_SHOW_PROMPTS = """() => {
  const shown = [];
  for (const id of ['update-prompt', 'install', 'ios-hint', 'save-errors', 'save-all']) {
    const el = document.getElementById(id);
    if (!el) continue;
    el.hidden = false;
    shown.push(id);
  }
  const errors = document.getElementById('save-errors');
  if (errors) errors.textContent = errors.dataset.quota.replace('{guides}', 'Antrian Paspor');
  const progress = document.querySelector('#save-all progress');
  if (progress) {
    progress.hidden = false;
    progress.value = progress.max / 3;
  }
  return shown;
}"""


def axe_violations(page: Page) -> str:
    """axe-core's report of the violations on the page as it is now, or "" when none."""
    results = _AXE.run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    # A tag misspelt above would select no rule and find nothing: some rules must have run.
    ran = len(results.response["passes"]) + results.violations_count
    assert ran >= 10, f"axe ran only {ran} rules"
    if results.violations_count == 0:
        return ""
    report: str = results.generate_report()
    return report


@dataclass(frozen=True)
class RedControl:
    html: str
    ratio: float
    text: str
    back: str
    disabled: bool


def red_controls(page: Page) -> list[RedControl]:
    """Every rendered link, button and field painted on red, with its worst text contrast."""
    found: list[dict[str, Any]] = page.evaluate(_RED_CONTROLS, _TARGETS)
    return [RedControl(f["html"], f["ratio"], f["text"], f["back"], f["disabled"]) for f in found]


def hover_red_controls(page: Page) -> list[RedControl]:
    """The same, each measured while the pointer is over it (:hover darkens the red)."""
    hovered: list[RedControl] = []
    targets = page.locator(_TARGETS)
    for found in page.evaluate(_RED_CONTROLS, _TARGETS):
        targets.nth(found["index"]).hover()
        now = {f["index"]: f for f in page.evaluate(_RED_CONTROLS, _TARGETS)}
        if found["index"] in now:
            f = now[found["index"]]
            hovered.append(RedControl(f["html"], f["ratio"], f["text"], f["back"], f["disabled"]))
    page.mouse.move(0, 0)
    return hovered


@dataclass(frozen=True)
class TapTarget:
    html: str
    width: float
    height: float
    inline: bool
    offscreen: bool


def tap_targets(page: Page) -> list[TapTarget]:
    found: list[dict[str, Any]] = page.evaluate(_TAP_TARGETS, _TARGETS)
    return [TapTarget(**f) for f in found]


def mark_tabbable(page: Page) -> list[bool]:
    """Notes the reachable elements in DOM order; True for those inside <main>."""
    in_main: list[bool] = page.evaluate(_MARK_TABBABLE, _TARGETS)
    return in_main


def focus_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(_FOCUS)
    return state


def motion(page: Page) -> list[str]:
    moving: list[str] = page.evaluate(_MOTION)
    return moving


def overflow(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(_OVERFLOW)
    return found


def page_colours(page: Page) -> dict[str, Any]:
    colours: dict[str, Any] = page.evaluate(_PAGE_COLOURS)
    return colours


def show_prompts(page: Page) -> list[str]:
    """Shows app.js's prompts as it would (unhidden, with their text); returns their ids."""
    shown: list[str] = page.evaluate(_SHOW_PROMPTS)
    return shown
