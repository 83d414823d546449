"""Charts of results drawn by the application as inline SVG: no CDN, no JavaScript library.

Each chart is an <svg role="img"> with a <title> and a <desc> for screen readers; the
pages print the same figures in a table next to it, so nothing is only in the picture.
Every text that comes from a ballot (labels) is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 600
LABEL_HEIGHT = 26  # text is drawn at 20 px: still legible once a phone scales the 600 px chart down
BAR_HEIGHT = 22
ROW_GAP = 12
# Best grade (Excellent) to worst (Reject): green to red, distinguishable in grey too.
GRADE_COLOURS = ("#0b6b3a", "#2f8f4e", "#76a83b", "#b9b52f", "#e0a526", "#d9651e", "#a61b1b")


def _svg(height: int, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    return Markup(
        f'<svg class="chart {css_class}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{css_class}-t {css_class}-d" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{css_class}-t">{escape(title)}</title><desc id="{css_class}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str, highlight: Sequence[str] = (),
              css_class: str = "bars") -> Markup:
    """Horizontal bars, one per (label, count), the label above its bar (narrow screens)."""
    top = max((count for _label, count in rows), default=0) or 1
    total = sum(count for _label, count in rows)
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    usable = WIDTH - 70  # room for the count after the longest bar
    body = []
    for index, (label, count) in enumerate(rows):
        y = index * row_height
        length = round(usable * count / top)
        marked = " highlight" if label in highlight else ""
        body.append(
            f'<text x="0" y="{y + 20}" class="chart-label">{escape(label)}</text>'
            f'<rect x="0" y="{y + LABEL_HEIGHT}" width="{max(length, 1)}" height="{BAR_HEIGHT}" rx="3" '
            f'class="bar{marked}"/>'
            f'<text x="{length + 6}" y="{y + LABEL_HEIGHT + 18}" class="chart-value">{count}</text>'
        )
    desc = ", ".join(f"{label}: {count}" for label, count in rows) + f" ({total})"
    return _svg(max(len(rows), 1) * row_height, title, desc, body, css_class)


def merit_profiles(options: Sequence[dict], grade_names: Sequence[str], *, title: str) -> Markup:
    """Majority judgment: one stacked bar per option (share of each grade), best grade on the left.

    The dashed line at 50 % crosses every bar at its majority grade. `options` are the
    tally's option dicts (label, merit_profile), in ranking order.
    """
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    body = []
    descriptions = []
    for index, option in enumerate(options):
        y = index * row_height
        profile = option["merit_profile"]
        total = sum(profile) or 1
        body.append(f'<text x="0" y="{y + 20}" class="chart-label">{escape(option["label"])}</text>')
        x = 0.0
        for grade, count in enumerate(profile):
            if not count:
                continue
            width = WIDTH * count / total
            body.append(
                f'<rect x="{x:.2f}" y="{y + LABEL_HEIGHT}" width="{width:.2f}" height="{BAR_HEIGHT}" '
                f'fill="{GRADE_COLOURS[grade]}"><title>{escape(grade_names[grade])}: {count}</title></rect>'
            )
            x += width
        descriptions.append(f"{option['label']}: " + ", ".join(
            f"{grade_names[g]} {c}" for g, c in enumerate(profile) if c))
    height = max(len(options), 1) * row_height
    body.append(f'<line x1="{WIDTH / 2}" y1="0" x2="{WIDTH / 2}" y2="{height}" class="median"/>')
    return _svg(height, title, "; ".join(descriptions), body, "merit")


def legend(grade_names: Sequence[str]) -> Markup:
    """The colour key of the merit profiles, as an HTML list (wraps on a phone)."""
    items = "".join(
        f'<li><span class="swatch" style="background:{colour}" aria-hidden="true"></span>{escape(name)}</li>'
        for colour, name in zip(GRADE_COLOURS, grade_names, strict=True)
    )
    return Markup(f'<ul class="chart-legend">{items}</ul>')
