"""A tiny document model rendered both as Markdown and as self-contained HTML (same content, two forms).

Blocks: :class:`Heading`, :class:`Paragraph`, :class:`Bullets`, :class:`Table`, :class:`Code` and
:class:`Figure` (a plotly figure: embedded in the HTML, a pointer to the HTML in the Markdown). Inline text may
use ``**bold**``, ``[text](href)`` and ```code```; the HTML form escapes everything else.

Example:
    >>> doc = [Heading(1, "Study"), Table(["model", "ko-en"], [["base", "0.6702"]])]
    >>> print(to_markdown(doc))
    # Study
    <BLANKLINE>
    | model | ko-en |
    |---|---|
    | base | 0.6702 |
    <BLANKLINE>
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Sequence, Union

INLINE = re.compile(r"\*\*(?P<bold>.+?)\*\*|\[(?P<text>[^\]]+)\]\((?P<href>[^)\s]+)\)|`(?P<code>[^`]+)`")


def inline_html(text: str) -> str:
    """``**bold**``, ``[text](href)`` and ```code``` as HTML; everything else escaped."""
    out, last = [], 0
    for match in INLINE.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        if match.group("bold") is not None:
            out.append(f"<strong>{inline_html(match.group('bold'))}</strong>")
        elif match.group("href") is not None:
            out.append(f'<a href="{html.escape(match.group("href"), quote=True)}">{html.escape(match.group("text"))}</a>')
        else:
            out.append(f"<code>{html.escape(match.group('code'))}</code>")
        last = match.end()
    return "".join(out) + html.escape(text[last:])


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""
    numeric_from: int = 1  # columns from this index are right-aligned


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""


@dataclass(frozen=True)
class Figure:
    figure: Any  # plotly.graph_objects.Figure
    caption: str = ""
    name: str = ""
    extra: dict = field(default_factory=dict)


Block = Union[Heading, Paragraph, Bullets, Table, Code, Figure]


def _markdown(block: Block, html_file: str) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {block.text}"
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Table):
        lines = ["| " + " | ".join(_cell(h) for h in block.headers) + " |",
                 "|" + "|".join("---" for _ in block.headers) + "|"]
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in block.rows]
        return "\n".join(lines) + (f"\n\n{block.caption}" if block.caption else "")
    if isinstance(block, Code):
        return f"```{block.language}\n{block.text.rstrip()}\n```"
    title = block.figure.layout.title.text or block.name
    return f"*Figure: {title}* (interactive in [{html_file}]({html_file})). {block.caption}".rstrip()


def to_markdown(blocks: Sequence[Block], html_file: str = "report.html") -> str:
    """The document as GitHub-flavoured Markdown."""
    return "\n\n".join(_markdown(block, html_file) for block in blocks) + "\n"


def _html(block: Block, first_figure: bool) -> str:
    if isinstance(block, Heading):
        anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{inline_html(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{inline_html(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{inline_html(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Table):
        head = "".join(f"<th>{inline_html(str(h))}</th>" for h in block.headers)
        body = "".join("<tr>" + "".join(
            f'<td class="{"num" if i >= block.numeric_from else "txt"}">{inline_html(str(v))}</td>'
            for i, v in enumerate(row)) + "</tr>" for row in block.rows)
        caption = f'<p class="caption">{inline_html(block.caption)}</p>' if block.caption else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{caption}"
    if isinstance(block, Code):
        return f"<pre><code>{html.escape(block.text.rstrip())}</code></pre>"
    plot = block.figure.to_html(full_html=False, include_plotlyjs=True if first_figure else False,
                                config={"displaylogo": False, "responsive": True})
    caption = f'<p class="caption">{inline_html(block.caption)}</p>' if block.caption else ""
    return f'<div class="figure">{plot}{caption}</div>'


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1f2328;line-height:1.5}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.25em .6em}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.caption{font-size:.85em;color:#57606a;margin-top:.2em}pre{background:#f6f8fa;padding:.8em;overflow:auto;font-size:.85em}
code{font-size:.9em}.figure{margin:1em 0}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    """The document as one self-contained HTML page (plotly.js inlined once, so it works offline)."""
    parts, seen_figure = [], False
    for block in blocks:
        parts.append(_html(block, first_figure=isinstance(block, Figure) and not seen_figure))
        seen_figure = seen_figure or isinstance(block, Figure)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
