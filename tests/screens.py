"""What a test reads off a running Textual app, through public APIs only: the screen's
text (from its SVG screenshot) and the notifications it was asked to show."""

from __future__ import annotations


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text: read from the public screenshot
    (SVG), each run of text placed at the column its x position gives."""
    import html
    import re

    runs = []
    for attrs, body in re.findall(r"<text([^>]*)>(.*?)</text>", app.export_screenshot()):
        x, y = re.search(r'\bx="([\d.]+)"', attrs), re.search(r'\by="([\d.]+)"', attrs)
        width = re.search(r'textLength="([\d.]+)"', attrs)
        text = html.unescape(re.sub("<[^>]+>", "", body)).replace("\xa0", " ")
        if x and y and width and text:
            runs.append((float(y.group(1)), float(x.group(1)), float(width.group(1)), text))
    cell = min(w / len(t) for _, _, w, t in runs) if runs else 1.0
    rows: dict[float, list[str]] = {}
    for y, x, _, text in runs:
        line = rows.setdefault(y, [])
        column = round(x / cell)
        line.extend(" " * (column + len(text) - len(line)))
        line[column : column + len(text)] = text
    return "\n".join("".join(line).rstrip() for _, line in sorted(rows.items()))


class Toasts:
    """The messages an app was asked to show as notifications (a spy on App.notify)."""

    def __init__(self, app) -> None:
        self.messages: list[str] = []
        notify = app.notify

        def spy(message, *args, **kwargs):
            self.messages.append(str(message))
            return notify(message, *args, **kwargs)

        app.notify = spy
