"""Front matter: YAML between `---` lines (Obsidian "properties", Jekyll/Hugo headers; PyYAML's
safe loader) or TOML between `+++` lines (Hugo's other format; Python's tomllib).

`title`, `tags` (a list, or one string of comma/space separated tags, `#` optional) and `aliases`
(also the singular `tag` / `alias` older notes use) are lifted out. So are the other words sites and
vaults classify a note by, as tags: Hugo's, Jekyll's and Hexo's `categories` (Jekyll's as one
space-separated string too), Obsidian's `categories: ["[[Recipes]]"]`, Zenn's `topics`. Every other
key is kept as a JSON-safe `properties` dict (dates as ISO strings). The header text itself never
reaches the document. A tab between a key and its value (`title:<TAB>"Za'atar"`) is YAML 1.2, which
Hugo and Obsidian read, but not PyYAML's YAML 1.1: such tabs are read as spaces. A header of one
`key: value` per line that YAML refuses only for its plain values (Logseq's `authors: [[A]], [[B]]`,
`tags: #a, #b`, `title: a: b`) is read line by line, values as written, as Logseq does. A header
that still does not parse is a CollectionWarning (reason "front matter") and the note is indexed
without it. In tags, `[[two words]]` is one tag.
"""

from __future__ import annotations

import datetime
import math
import re
import tomllib
from dataclasses import dataclass, field

import yaml

from indexer.sources.warning import warn

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)??\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
_INLINE_TABS = re.compile(r"(?<=[^\s])\t+")  # after a key's colon or between words, not indentation
TAG_KEYS = ("tags", "tag", "categories", "category", "topics")  # what a note is classified by
_TAGS = re.compile(r"\[\[([^\]]+)\]\]|([^\s,]+)")  # `[[two words]]` is one tag (Logseq writes them)
_YAML_SYNTAX = ("[", "{", '"', "'", "|", ">", "&", "*", "!", "%", "@", "`")  # a value meant as YAML
_LOOSE_LINE = re.compile(r"([A-Za-z][\w .-]*?)[ \t]*:[ \t]*(.*?)[ \t]*")  # `authors:[[A]]` too


@dataclass(frozen=True)
class FrontMatter:
    title: str = ""
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    properties: dict = field(default_factory=dict, compare=False)


def split_front_matter(text: str, name: str) -> tuple[str, FrontMatter]:
    """(the note without its front matter block, what the block declares)."""
    if block := _TOML_FRONT_MATTER.match(text):
        try:
            data = tomllib.loads(block.group(1) or "")
        except tomllib.TOMLDecodeError as err:
            return _unreadable(text[block.end() :], name, "TOML", str(err))
        return _declared(text[block.end() :], data, name)
    block = _FRONT_MATTER.match(text)
    if not block:
        return text, FrontMatter()
    body, header = text[block.end() :], block.group(1) or ""
    try:
        data = yaml.safe_load(header)
    except yaml.YAMLError as err:
        try:  # YAML 1.2's tab separators, as Hugo and Obsidian read them
            data = yaml.safe_load(_INLINE_TABS.sub(" ", header))
        except yaml.YAMLError:
            if (loose := _loose(header)) is not None:
                return _declared(body, loose, name)
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 2}" if mark is not None else ""  # 1-based, after the `---` line
            problem = getattr(err, "problem", None) or type(err).__name__
            return _unreadable(body, name, "YAML", problem + where)
    return _declared(body, data, name)


def _loose(header: str) -> dict | None:
    """A header of one `key: value` per line that YAML refuses only for its plain values, read line
    by line as Logseq does: `authors: [[A]], [[B]]`, `tags: #a, #b`, `title: ?`, `title: a: b`.
    None when a value was meant as YAML (`[a, b`, `{`, quotes, block scalars): a broken header."""
    data: dict[str, str] = {}
    for line in header.splitlines():
        if not line.strip():
            continue
        match = _LOOSE_LINE.fullmatch(line)
        if match is None:
            return None
        value = (match.group(2) or "").strip()
        if value.startswith(_YAML_SYNTAX) and not value.startswith("[["):
            return None
        data[match.group(1)] = value
    return data or None


def _unreadable(body: str, name: str, kind: str, problem: str) -> tuple[str, FrontMatter]:
    warn(f"{name}: front matter is not valid {kind} ({problem}), ignored", file=name, reason="front matter")
    return body, FrontMatter()


def _declared(body: str, data: object, name: str) -> tuple[str, FrontMatter]:
    if data is None:
        return body, FrontMatter()
    if not isinstance(data, dict):
        warn(
            f"{name}: front matter is not a list of `key: value` properties, ignored",
            file=name,
            reason="front matter",
        )
        return body, FrontMatter()
    properties = {str(key): json_safe(value) for key, value in data.items()}
    title = properties.pop("title", None)
    tags = [_strings(properties.pop(key, None), split=True) for key in TAG_KEYS]
    tags = [tag for listed in tags for tag in listed]
    aliases = [*_strings(properties.pop("aliases", None)), *_strings(properties.pop("alias", None))]
    return body, FrontMatter(
        title=" ".join(str(title).split()) if title is not None else "",
        tags=tuple(unique(tag.lstrip("#") for tag in tags)),
        aliases=tuple(unique(aliases)),
        properties=properties,
    )


def _strings(value: object, split: bool = False) -> list[str]:
    """A YAML scalar or list as strings; `split` separates a "a, b c" string (how tags are written)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if item is None:
            continue
        text = item if isinstance(item, str) else str(item)
        out.extend((linked or bare for linked, bare in _TAGS.findall(text)) if split else [text.strip()])
    return [item for item in out if item.strip("# ")]


def unique(values) -> list[str]:
    """First spelling of each value, compared case-insensitively (Obsidian's #Tag is #tag)."""
    seen, out = set(), []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return out


def json_safe(value: object) -> object:
    """YAML values as JSON can store them: dates/times as ISO strings, other odd types as strings."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(item) for item in value), key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
