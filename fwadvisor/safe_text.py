"""Outside text is data: rule text, file, suite and benchmark names, worker stderr, hints.

Before such text reaches a terminal, the app or a report it goes through here. `clean` removes C0
and C1 control characters (an ESC sequence could clear the screen or hide the verdict) but keeps
newlines and tabs; it shows invisible characters (zero-width spaces and joiners, bidirectional
overrides, the BOM) as `\u200b`-style escapes, since `primary\u200b_goal` looks exactly like the
valid key and a U+202E shows the rest of a line reversed; and it cuts any line longer than
MAX_LINE_CHARS, saying so (a one-million-character CPU model is a report of megabytes).
`for_rich` also escapes Rich markup, so `[/usr/lib/...]` or `pip install 'fwadvisor[tensorflow]'`
prints as written instead of being read as a style tag;
`for_markdown` and `for_html` make it one line of text in a report (no raw HTML, no link, no
emphasis it did not ask for); `safe_link` lets only http(s) addresses become links; `excerpt` keeps
an echoed value short.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 range (0x80-0x9f, which includes the CSI 0x9b).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters that show nothing, or change how the text around them shows: the soft hyphen, the
# combining grapheme joiner, Hangul and Khmer fillers, the Mongolian vowel separator, zero-width
# space, non-joiner and joiner, the left-to-right and right-to-left marks and embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069), the line and paragraph separators (a terminal may
# break the line there), the word joiner and invisible operators, the BOM (a zero-width no-break
# space inside text), interlinear annotations, musical formatting and the tag characters.
# Variation selectors (U+FE0F after an emoji) are left alone: they change a glyph, not the reading.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff9-\ufffb\U0001d173-\U0001d17a\U000e0000-\U000e007f]"
)
EXCERPT_CHARS = 80
# The longest line of outside text shown anywhere (the longest built-in rule message is about 850
# characters); a longer one is cut, saying how long it was.
MAX_LINE_CHARS = 2_000
# The longest name shown (a CPU or GPU model, a host name, a framework version): real ones are
# under 100 characters.
NAME_CHARS = 120
# The longest error text shown for one thing (a worker's error, a skipped benchmark's reason), so
# that with the sentence around it the line stays under MAX_LINE_CHARS.
MESSAGE_CHARS = 1_000
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
    """`text` as a string without control characters (each becomes U+FFFD, so nothing hides),
    invisible characters escaped (`\u200b`) and every line cut to MAX_LINE_CHARS."""
    shown = _CONTROLS.sub("\ufffd", str(text))
    if not shown.isascii():  # every invisible character is outside ASCII (isascii is a flag lookup)
        shown = INVISIBLE.sub(_escaped, shown)
    if len(shown) <= MAX_LINE_CHARS:  # nearly always: no line can be too long
        return shown
    return "\n".join(cut(line) for line in shown.split("\n"))


def _escaped(found: re.Match[str]) -> str:
    point = ord(found.group())
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def cut(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """`text` when it has at most `limit` characters; else its start, saying it was cut and how
    long it was. For outside text in data (a JSON report) as well as on screen."""
    if len(text) <= limit:
        return text
    note = f" … (cut: {len(text):,} characters in all)"
    return text[: max(1, limit - len(note))] + note


def invisible_note(text: object) -> str:
    """`; it holds invisible characters: U+200B (ZERO WIDTH SPACE)` for text that holds any (a key,
    an id, a value that looks right but is not); the empty string otherwise."""
    import unicodedata

    found = list(dict.fromkeys(INVISIBLE.findall(str(text))))
    if not found:
        return ""
    named = ", ".join(f"U+{ord(c):04X} ({unicodedata.name(c, 'unnamed')})" for c in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return f"; it holds invisible characters: {named}{more}"


def shown_name(path: object) -> str:
    """A file name or path as a message shows it: one line, clean, cut to a sane length."""
    return excerpt(path, 400)


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
    text = cut(text)  # a paragraph of megabytes would be thousands of lines
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


def for_stderr(message: str, hang: str = "  ") -> str:
    """`message` as it should reach stderr: on a terminal each line is wrapped at spaces to its width
    (the terminal itself would cut words in two at column 80), continuation lines under the line's
    own indent plus `hang`; piped or redirected it stays as it is, for grep and logs."""
    import shutil
    import sys

    if not sys.stderr.isatty():
        return message
    # Wrap what the terminal will show: a character the stream escapes (a file name's undecodable
    # byte, \udcff) takes the escape's columns.
    encoding = sys.stderr.encoding or "utf-8"
    message = message.encode(encoding, sys.stderr.errors or "backslashreplace").decode(encoding, "replace")
    width = shutil.get_terminal_size().columns - 1
    return "\n".join(
        wrapped
        for line in message.splitlines()
        for wrapped in wrap_words(line, width, hang=line[: len(line) - len(line.lstrip(" "))] + hang) or [""]
    )
