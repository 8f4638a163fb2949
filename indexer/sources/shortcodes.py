"""Hugo shortcodes (`{{< name args >}}`, `{{% name args %}}`): read as the built page shows them.

A Hugo how-to site captions its photos with `{{< figure src="/img/a.jpg" caption="Step 2" >}}`;
CommonMark sees no picture there, so the photo was lost without a word and the shortcode read as
words. Now:
- `figure`, `img`, `image`, `picture` (and theme variants such as `imgproc`, `resize`) with a `src`
  (or a first positional argument that is a picture file) are that picture, in place, followed by
  their `title`, `caption` and `alt` text; a path resolves as a link would (`/img/a.jpg` from the
  site root or `static/`, see `images.py`); a theme's `video` with a `src` of a video file is that
  video, read in place (`note_videos.py`);
- `ref` / `relref` are the page they name, so `[text]({{< ref "setup" >}})` stays a link;
- paired shortcodes (`{{< notice tip >}} ... {{< /notice >}}`, `{{< tab >}}`) keep what they hold,
  `{{< highlight go >}} ... {{< /highlight >}}` is a code block; others (`youtube`, `gist`, `tweet`,
  `param`) show nothing readable and are dropped;
- an escaped shortcode (`{{</* figure src="a.jpg" */>}}`, in a page about shortcodes) is shown as its
  source text by Hugo, and read so; fenced code is left as written.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from indexer.sources.fences import outside_code, tags_as_fences
from indexer.sources.site import MEDIA_TYPES
from mme_core.documents import IMAGE_EXTENSIONS

_SHORTCODE = re.compile(r"\{\{[<%]\s*(?P<close>/)?\s*(?P<name>[\w.-]+)(?P<args>.*?)\s*/?\s*[>%]\}\}", re.S)
_ESCAPED = re.compile(r"\{\{([<%])/\*\s*(?P<body>.*?)\s*\*/([>%])\}\}", re.S)
_HIGHLIGHT = re.compile(
    r"^([ \t]*)\{\{[<%]\s*(?:highlight\s+([\w+#.-]*)[^>%]*?|(/highlight))\s*[>%]\}\}[ \t]*$"
)
_PICTURES = frozenset("figure img image picture imgproc resize imgresize photo".split())
_TEXT_ARGS = ("title", "caption", "alt", "attr")


def clean_shortcodes(text: str) -> str:
    """The page with Hugo's shortcodes read as the site shows them (see the module doc)."""
    if "{{<" not in text and "{{%" not in text:
        return text
    lines = tags_as_fences(text, _HIGHLIGHT)  # a highlight block is a fenced one
    return outside_code("\n".join(lines), _read_text)  # a shortcode's arguments may span lines


def _read_text(text: str) -> str:
    """Shortcodes read, escaped ones (`{{</* ... */>}}`) shown as their source, as Hugo does."""
    parts, start = [], 0
    for escaped in _ESCAPED.finditer(text):
        parts.append(_SHORTCODE.sub(_read, text[start : escaped.start()]))
        parts.append("{{" + escaped[1] + " " + escaped["body"] + " " + escaped[3] + "}}")
        start = escaped.end()
    return "".join(parts) + _SHORTCODE.sub(_read, text[start:])


def _read(match: re.Match) -> str:
    name = match["name"].lower()
    if match["close"]:
        return ""
    args = _arguments(match["args"])
    if name in ("ref", "relref"):
        return next(iter(args.values()), "")
    source = args.get("src") or args.get("0", "")
    shown = name in _PICTURES and source.lower().endswith(IMAGE_EXTENSIONS)
    if shown or name == "video" and MEDIA_TYPES.get(posixpath.splitext(source.lower())[1]) == "videos":
        words = " ".join(dict.fromkeys(args[key] for key in _TEXT_ARGS if args.get(key)))
        return f"![{_escaped(args.get('alt', ''))}](<{source}>)" + (f" {words}" if words else "")
    return ""


def _arguments(text: str) -> dict[str, str]:
    """`src="a.jpg" title='b'` or positional `"a.jpg" 300x` as {"src": ..., "0": ...}."""
    try:
        parts = shlex.split(text)
    except ValueError:  # an unclosed quote: take the words as they are
        parts = text.split()
    args, position = {}, 0
    for part in parts:
        key, equals, value = part.partition("=")
        if equals and re.fullmatch(r"[\w-]+", key):
            args[key.lower()] = value
        else:
            args[str(position)] = part
            position += 1
    return args


def _escaped(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")
