"""Outside text is data: rule text, file, suite and benchmark names, worker stderr, hints.

Before such text reaches a terminal, the app or a report it goes through here. `clean` removes C0
and C1 control characters (an ESC sequence could clear the screen or hide the verdict) but keeps
newlines and tabs; `for_rich` also escapes Rich markup, so `[/usr/lib/...]` or
`pip install 'fwadvisor[tensorflow]'` prints as written instead of being read as a style tag;
`for_markdown` and `for_html` make it one line of text in a report (no raw HTML, no link, no
emphasis it did not ask for); `safe_link` lets only http(s) addresses become links; `excerpt` keeps
an echoed value short.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 range (0x80-0x9f, which includes the CSI 0x9b).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
EXCERPT_CHARS = 80
# Markdown's active characters: a backslash (it would undo the escapes), raw HTML, links and images,
# code, emphasis, table cells. An underscore inside a word emphasises nothing, so it stays as it is
# (rule ids and metric names read as written); an ampersand only where it would start an entity.
_MARKDOWN_ACTIVE = re.compile(r"[\\`*\[\]<>|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?[A-Za-z0-9]+;)")
# What would make a line a heading, a quote, a list item or a rule if the text started one.
# (an ordered list's number is kept and its dot escaped: a backslash before a digit would show).
_MARKDOWN_LINE_START = re.compile(r"^(?:(?P<mark>#|[-+=](?=\s|$))|(?P<number>\d+)(?P<dot>[.)])(?=\s|$))")
# Characters a link's address keeps as they are: RFC 3986's unreserved and reserved ones, and `%`,
# but not the parentheses, brackets and quotes that would end a Markdown link or an HTML attribute.
_LINK_SAFE = "/:?#@!$&'*+,;=%~-._"


def clean(text: object) -> str:
    """`text` as a string without control characters (each becomes U+FFFD, so nothing hides)."""
    return _CONTROLS.sub("\ufffd", str(text))


def one_line(text: object) -> str:
    """`clean`, with every run of whitespace (newlines included) made one space."""
    return " ".join(clean(text).split())


def for_rich(text: object) -> str:
    """Cleaned text that Rich prints as written: markup-looking brackets are escaped."""
    from rich.markup import escape

    return escape(clean(text))


def for_markdown(text: object, *, starts_line: bool = False) -> str:
    """One clean line that Markdown shows as written: every active character backslash-escaped.

    `starts_line`: the text begins a line of the page, so a leading `#`, `-` or `1.` is escaped too
    (elsewhere, in a table cell or after a bullet, they mean nothing and stay as written).
    """
    escaped = _MARKDOWN_ACTIVE.sub(lambda found: "\\" + found.group(), one_line(text))
    if not starts_line:
        return escaped
    return _MARKDOWN_LINE_START.sub(
        lambda found: "\\" + found["mark"] if found["mark"] else f"{found['number']}\\{found['dot']}", escaped
    )


def for_html(text: object) -> str:
    """One clean line for HTML text or a quoted attribute value."""
    from html import escape

    return escape(one_line(text), quote=True)


def safe_link(address: object) -> str | None:
    """`address` as a link target when it is an http(s) URL with a host, percent-encoded so it can
    end neither a Markdown link nor an HTML attribute; None for anything else (javascript:, data:,
    file paths, document names), which a report shows as text."""
    from urllib.parse import quote, urlsplit

    text = str(address).strip()
    if _CONTROLS.search(text) or "\n" in text or "\t" in text:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # a malformed address (an unclosed IPv6 bracket, a bad port)
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return quote(parts.scheme + text[len(parts.scheme) :], safe=_LINK_SAFE)


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, clean, one-line excerpt of a value for an error message."""
    flat = one_line(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def is_url(word: str) -> bool:
    """Whether a word is an address someone will copy or click (it must stay in one piece)."""
    return "://" in word or word.startswith("www.")


def wrap_words(text: str, width: int, indent: str = "", hang: str | None = None) -> list[str]:
    """`text` wrapped to `width` columns at spaces only, never at a hyphen (rule ids, dates, ranges).

    A URL is never broken: when it does not fit a line it gets a line of its own, longer than
    `width` if it must be, since half an address opens nothing. Any other word too long for a line
    (a path, a hash) is broken, so the text stays within the width.
    """
    import textwrap

    hang = indent if hang is None else hang
    lines = textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=hang, break_long_words=False, break_on_hyphens=False
    )
    out: list[str] = []
    for number, line in enumerate(lines):
        lead = indent if number == 0 else hang
        if len(line) <= width or is_url(line[len(lead) :].strip()):
            out.append(line)
            continue
        # Words longer than the line (textwrap kept them whole): URLs alone on their line, others cut to fit.
        current = lead
        for word in line[len(lead) :].split(" "):
            if is_url(word) or len(lead) + len(word) <= width:
                if current.strip() and len(current) + 1 + len(word) > width:
                    out.append(current)
                    current = hang
                current = f"{current} {word}" if current.strip() else current + word
                continue
            room = max(1, width - len(hang))
            if current.strip():
                out.append(current)
            for start in range(0, len(word), room):
                out.append(hang + word[start : start + room])
            current = hang
        if current.strip():
            out.append(current)
    return out
