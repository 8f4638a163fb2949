"""AsciiDoc's preprocessor: `include::` directives and `ifdef`/`ifndef`/`ifeval` conditionals.

As Asciidoctor does before parsing, line by line: `include::target[]` is replaced by the file's
lines (`lines=2..5;8`, `tag=name`/`tags=a;b` select some), found from the including file's folder,
or as an Antora resource id (`partial$steps.adoc`, `ROOT:example$run.sh`, see `site_antora.py`);
its own includes are read in turn (`MAX_DEPTH` deep). Files are read only from the collection being
indexed (`site_includes.collection_file`, which also makes the page read again when they change);
a file that is missing, outside it, binary, too large, remote (a URL: never fetched) or including
itself is said by the target as written and left out; what includes insert is bounded as mdBook's
are (`MAX_INCLUDE_CHARS` one, `MAX_PAGE_INCLUDE_CHARS` a page's, nested or repeated). Conditionals
keep or drop the lines they enclose by the attributes set so far (`ifeval` compares two values).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.sources.site_antora import antora_path, page_context
from indexer.sources.site_includes import (
    INCLUDE_PROBLEMS,
    MAX_DEPTH,
    MAX_INCLUDE_BYTES,
    MAX_INCLUDE_CHARS,
    MAX_PAGE_INCLUDE_CHARS,
    collection_file,
    reading_root,
)
from indexer.sources.warning import warn

_DIRECTIVE = re.compile(
    r"^(?P<escape>\\?)(?P<kind>include|ifdef|ifndef|ifeval|endif)::(?P<target>[^\[]*)\[(?P<body>.*)\]\s*$"
)
_ENTRY = re.compile(r"^:(?P<unset>!)?(?P<name>[\w][\w-]*)(?P<unset_after>!)?:(?:\s+(?P<value>.*?))?\s*$")
_TAG = re.compile(r"\b(?:tag|end)::(?P<name>[\w-]+)\[\]")
_COMPARISON = re.compile(r"^\s*(?P<left>.+?)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<right>.+?)\s*$")
_ATTRIBUTE = re.compile(r"\\?\{(?P<name>[\w][\w-]*)\}")
_PROBLEMS = {
    **INCLUDE_PROBLEMS,
    "remote": "included URL not fetched, left out",
    "another component": "included file is another Antora component's, not in the collection, left out",
    "itself": "includes itself, left out",
    "deep": "includes nested over {depth} deep, left out",
}


def substitute(text: str, attributes: dict[str, str]) -> str:
    """`{name}` replaced by the attribute's value; an unset one is left as written (Asciidoctor's
    default), `\\{name}` is the braces as words."""

    def value(match: re.Match) -> str:
        if match[0].startswith("\\"):
            return match[0][1:]
        return attributes.get(match["name"].lower(), match[0])

    return _ATTRIBUTE.sub(value, text) if "{" in text else text


def preprocess(text: str, name: str, attributes: dict[str, str]) -> list[str]:
    """The lines of the page `name` (collection-relative) after its includes and conditionals;
    `attributes` is updated by the attribute entries met on the way (the parser sets them again)."""
    return _lines(text.split("\n"), name, name, attributes, [name], _Said())


def _lines(
    lines: list[str], page: str, source: str, attributes: dict[str, str], stack: list[str], said: _Said
) -> list[str]:
    out: list[str] = []
    skipping: list[bool] = []  # one per open conditional: whether its lines are dropped
    for line in lines:
        match = _DIRECTIVE.match(line) if "::" in line else None
        if match is None:
            if not any(skipping):
                out.append(line)
                if line.startswith(":") and (entry := _ENTRY.match(line)):
                    _set(attributes, entry)
            continue
        if match["escape"]:
            if not any(skipping):
                out.append(line[1:])
            continue
        kind = match["kind"]
        if kind == "endif":
            if skipping:
                skipping.pop()
            continue
        if kind != "include":
            keep = _condition(kind, match["target"], match["body"], attributes)
            if match["body"] and kind != "ifeval":  # one-line form: `ifdef::env-site[Read me]`
                if keep and not any(skipping):
                    out.append(match["body"])
            else:
                skipping.append(not keep)
            continue
        if not any(skipping):
            out += _include(match["target"], match["body"], page, source, attributes, stack, said)
    return out


@dataclass
class _Said:
    """What a page's includes did so far: the problems said, the characters inserted."""

    problems: set[tuple[str, str]] = field(default_factory=set)
    inserted: int = 0


def _set(attributes: dict[str, str], entry: re.Match) -> None:
    key = entry["name"].lower()
    if entry["unset"] or entry["unset_after"]:
        attributes.pop(key, None)
    else:
        attributes[key] = substitute(entry["value"] or "", attributes)


def _condition(kind: str, target: str, body: str, attributes: dict[str, str]) -> bool:
    if kind == "ifeval":
        return _evaluate(substitute(body, attributes))
    names = [n.strip().lower() for n in re.split(r"[,+]", target) if n.strip()]
    present = (all if "+" in target else any)(n in attributes for n in names) if names else False
    return present if kind == "ifdef" else not present


def _evaluate(expression: str) -> bool:
    """`ifeval::["{backend}" == "html5"]`, `ifeval::[{level} >= 2]`; an expression it cannot read
    keeps its lines (shown rather than lost)."""
    match = _COMPARISON.match(expression)
    if match is None:
        return True
    left, right = (_operand(match[side]) for side in ("left", "right"))
    if type(left) is not type(right):
        left, right = str(left), str(right)
    op = match["op"]
    compare: dict[str, Callable[[object, object], bool]] = {
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,  # type: ignore[operator]
        ">": lambda a, b: a > b,  # type: ignore[operator]
        "<=": lambda a, b: a <= b,  # type: ignore[operator]
        ">=": lambda a, b: a >= b,  # type: ignore[operator]
    }
    return compare[op](left, right)


def _operand(text: str) -> str | float:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    try:
        return float(text)
    except ValueError:
        return text


def _include(
    target: str, body: str, page: str, source: str, attributes, stack: list[str], said: _Said
) -> list[str]:
    written = substitute(target, attributes).strip()
    root = reading_root()
    if root is None:
        return []  # parsed outside a collection: nothing to read it from
    options = _options(body)
    context = page_context(source) or page_context(page)
    antora = antora_path(root, written, context, "pages") if context and "$" in written else None
    problem, text, path = "", None, antora or posixpath.join(posixpath.dirname(source), written)
    if "://" in written:
        problem = "remote"
    elif written.startswith("/"):
        problem = "outside the collection"
    elif context and "$" in written and antora is None:
        problem = "another component"  # `5.5@other:admin:partial$a.adoc`: that component is not here
    else:
        path, text, problem = collection_file(path)
    # a file may include a tagged part of itself (or of a file including it): bounded by MAX_DEPTH
    looping = path in stack and not (options.get("tag") or options.get("tags") or options.get("lines"))
    if not problem and (looping or len(stack) > MAX_DEPTH):
        problem = "itself" if looping else "deep"
    if problem:
        if (written, problem) not in said.problems:  # one target included twice (two tags): said once
            said.problems.add((written, problem))
            message = _PROBLEMS[problem].format(limit=MAX_INCLUDE_BYTES, depth=MAX_DEPTH)
            reason = {"another component": "missing", "itself": "other", "deep": "other"}.get(
                problem, problem
            )
            warn(f"{page}: {message}: {written}", file=page, reference=written, reason=reason)
        return []
    lines = _select((text or "").rstrip("\n").split("\n"), options)
    room = min(MAX_INCLUDE_CHARS, MAX_PAGE_INCLUDE_CHARS - said.inserted)
    if sum(len(line) + 1 for line in lines) > room:  # a page's includes are bounded, however nested
        message = f"{page}: included file is too long, only its first {max(room, 0):,} characters read"
        warn(f"{message}: {written}", file=page, reference=written, reason="too large")
        kept, used = [], 0
        for line in lines:
            used += len(line) + 1
            if used > room:
                break
            kept.append(line)
        lines = kept
    said.inserted += sum(len(line) + 1 for line in lines)
    offset = options.get("leveloffset", "").strip()
    inserted = _lines(lines, page, path, attributes, [*stack, path], said)
    if re.fullmatch(r"[+-]?\d+", offset) and int(offset):  # the file's sections moved down (or up)
        shift = int(offset)
        inserted = ["", f":leveloffset: {shift:+d}", "", *inserted, "", f":leveloffset: {-shift:+d}", ""]
    return inserted


def _options(body: str) -> dict[str, str]:
    options = {}
    for part in re.findall(r'(\w+)\s*=\s*("[^"]*"|[^,]*)', body):
        options[part[0].lower()] = part[1].strip().strip('"')
    return options


def _select(lines: list[str], options: dict[str, str]) -> list[str]:
    """The lines an include's `lines=` or `tag(s)=` name (all without either); tag lines not shown."""
    if ranges := options.get("lines"):
        chosen = []
        for part in re.split(r"[;,]", ranges):
            start, dots, end = (side.strip() for side in part.partition(".."))
            if not start.isdigit():
                continue
            if not dots:
                last = int(start)
            else:
                last = int(end) if end.isdigit() else len(lines)  # `5..-1`, `5..`: to the end
            chosen += lines[int(start) - 1 : last]
        return chosen
    tags = [
        t.strip() for t in re.split(r"[;,]", options.get("tags") or options.get("tag") or "") if t.strip()
    ]
    wanted = {t for t in tags if not t.startswith("!") and t not in ("*", "**")}
    if not wanted:
        return [line for line in lines if not _TAG.search(line)]
    chosen, open_tags = [], set()
    for line in lines:
        if found := _TAG.search(line):
            tag = found["name"]
            (open_tags.add if found[0].startswith("tag::") else open_tags.discard)(tag)
            continue
        if open_tags & wanted:
            chosen.append(line)
    return chosen
