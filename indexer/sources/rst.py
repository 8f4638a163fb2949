"""reStructuredText notes (`.rst`: Sphinx and docutils how-to docs, lab protocols): words, pictures in order.

docutils parses the file as Sphinx would, leniently: it never prints, never stops on an error, inserts
no other file and passes no raw HTML; a file it cannot make sense of still gives its words (its
errors are not read; a file it fails on, nesting past Python's recursion limit, is read as plain
text, warned "markup"). Sphinx's own directives and roles read as a built page shows them (`sphinx.py`).
What the page shows is what is read, in document order:
- the title (the document's title, a `:title:` field, else the first section's); a field list
  opening the file is the note's properties (Sphinx's file-wide metadata), `:tags: a, b` its tags;
- section titles as `## Title` (so the splitter finds sections); paragraphs, list items (`- `,
  `1. `), definition lists, admonitions' text (not their kind), table rows (cells joined by ` | `),
  literal and code blocks verbatim; comments, targets, `.. contents::` and footnote marks are not;
- `.. image::` and `.. figure::` are pictures in place (a figure's caption and legend after it), as
  are `|name|` substitutions of `.. |name| image:: path`; paths are relative to the note (a `/rooted`
  one from the collection root, see `images.py`);
- a directive no one registered (an extension's, or a localised name such as `.. 注解::`) reads as
  its argument and content; a `|name|` defined elsewhere (conf.py's `rst_prolog`) as its name.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Parser

from indexer.sources.base import ImageLink, ParsedPage, add_text, clean_text, decode_text, end_lines, warn
from indexer.sources.frontmatter import unique
from indexer.sources.sphinx import LenientInliner, register_directives, role_text

_SETTINGS = {
    "report_level": 5,  # never print
    "halt_level": 5,  # never raise on the document's errors
    "warning_stream": False,
    "file_insertion_enabled": False,  # `.. include::` / `:file:` read nothing from disk
    "raw_enabled": False,
    "_disable_config": True,  # no docutils.conf from the working or home folder
    "input_encoding": "unicode",
}
_SKIPPED = (
    nodes.system_message,
    nodes.comment,
    nodes.substitution_definition,
    nodes.raw,
    nodes.pending,
    nodes.meta,
    nodes.footnote_reference,
    nodes.label,
    nodes.colspec,
    nodes.transition,
)
# Elements that start a paragraph of their own, or a line of their own; the rest flow inside them.
_PARAGRAPHS = (nodes.Body, nodes.Structural, nodes.caption, nodes.legend, nodes.term, nodes.title)
_LINES = (nodes.list_item, nodes.row, nodes.field, nodes.definition, nodes.line, nodes.option_list_item)
_HUGGING = (nodes.list_item, nodes.entry, nodes.field_body, nodes.definition, nodes.legend)
_SPHINX_FIELDS = frozenset("orphan nosearch nocomments tocdepth hide-toc".split())
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_WRAP = re.compile(rf"(?P<cjk>(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}]))|[ \t]*\n[ \t]*")
_DIRECTIVE_LINE = re.compile(r"^\.\.\s+[^\s:]+(?::[^\s:]+)*::[ \t]*(?P<argument>.*)$")
_SUBSTITUTION = re.compile(r"\|[^|\s](?:[^|]*[^|\s])?\|")
_OPTION_LINE = re.compile(r"^\s+:[\w-]+:(?:\s|$)")


def parse_rst(data: bytes, name: str) -> ParsedPage:
    text = clean_text(decode_text(data, name), name)
    page = _Page()
    try:
        document = _parse(text, name)
        page.walk(document)
    except Exception as err:  # docutils' own failures (nesting past Python's recursion limit) stop
        # no collection: the note's words are still read, as typed
        problem = "nested too deeply" if isinstance(err, RecursionError) else type(err).__name__
        message = f"{name}: reStructuredText not parsed ({problem}), read as plain text"
        warn(message, file=name, reason="markup")
        return ParsedPage((text,), title=PurePosixPath(name).stem)
    title = page.title or document.get("title", "") or page.first_heading or PurePosixPath(name).stem
    meta = {"tags": unique(page.tags), "aliases": [], "properties": page.properties}
    return ParsedPage(tuple(page.items), title=" ".join(title.split()), meta=meta)


def _parse(text: str, name: str) -> nodes.document:
    register_directives()
    parser = Parser(inliner=LenientInliner())
    return publish_doctree(text, source_path=name, parser=parser, settings_overrides=_SETTINGS)


class _Page:
    """What the walk over the doctree collects: text and picture links in order, and the metadata."""

    def __init__(self) -> None:
        self.items: list[str | ImageLink] = []
        self.title = ""
        self.first_heading = ""
        self.tags: list[str] = []
        self.properties: dict[str, str] = {}
        self._titled = False  # the document has a title of its own: sections start at ##
        self._lists: list[int | None] = []  # next number of each open enumerated list, None: bullets
        self._marker = ""  # a list item's marker, written before its first words
        self._cells = 0  # inside a table cell: its lines run together
        self._gap = False  # a space is due before the cell's next words

    def walk(self, document: nodes.document) -> None:
        self._titled = any(isinstance(child, nodes.title) for child in document.children)
        opening = document.first_child_not_matching_class(nodes.PreBibliographic)
        for index, child in enumerate(document.children):
            if isinstance(child, nodes.docinfo) or (index == opening and isinstance(child, nodes.field_list)):
                self._fields(child)
            else:
                self._visit(child)

    def _visit(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Text):
            verbatim = isinstance(node.parent, (nodes.literal_block, nodes.doctest_block, nodes.math_block))
            self.text(str(node) if verbatim else _WRAP.sub(lambda m: "" if m["cjk"] else " ", str(node)))
        elif isinstance(node, nodes.system_message):
            self._failed_directive(node)
        elif isinstance(node, _SKIPPED) or (isinstance(node, nodes.topic) and "contents" in node["classes"]):
            return  # `.. contents::` lists the section titles again
        elif isinstance(node, nodes.problematic) and _SUBSTITUTION.fullmatch(node.astext()):
            self.text(node.astext().strip("|"))  # defined elsewhere (Sphinx's conf.py `rst_prolog`)
        elif isinstance(node, nodes.inline) and node.get("reftarget"):
            self.text(_label_title(node) or node.astext())
        elif isinstance(node, nodes.title_reference):  # `text`: Sphinx's default role, often `py:obj`
            self.text(role_text("obj", node.astext()))
        elif isinstance(node, nodes.image):
            self.text(self._take_marker())
            self.items.append(ImageLink(node.get("uri", "")))
        elif isinstance(node, (nodes.title, nodes.subtitle)) and isinstance(
            node.parent, (nodes.section, nodes.document)
        ):
            self._heading(node)
        elif isinstance(node, nodes.field_name):
            self.text(node.astext().strip() + ": ")
        elif isinstance(node, nodes.entry):
            self.text(" | " if node.parent.index(node) else "")
            self._cells, self._gap = self._cells + 1, False
            self._children(node)
            self._cells -= 1
        elif isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            self._lists.append(node.get("start", 1) if isinstance(node, nodes.enumerated_list) else None)
            self.newline(2)
            self._children(node)
            self._lists.pop()
            self.newline(1)
        elif isinstance(node, _LINES):
            self.newline(1)
            self._marker = self._list_marker() if isinstance(node, nodes.list_item) else ""
            self._children(node)
            self.newline(1)
        elif isinstance(node, _PARAGRAPHS) and not isinstance(node, nodes.Inline):  # an inline target
            hugging = isinstance(node.parent, _HUGGING) and node.parent.index(node) == 0
            self.newline(1 if hugging else 2)
            self._children(node)
            self.newline(1)
        else:
            self._children(node)

    def _children(self, node: nodes.Element) -> None:
        for child in node.children:
            self._visit(child)

    def _heading(self, node: nodes.title) -> None:
        words = " ".join(node.astext().split())
        if isinstance(node.parent, nodes.document):
            level = 1 if isinstance(node, nodes.title) else 2
            self.title = self.title or words
        else:
            level = sum(isinstance(a, nodes.section) for a in _ancestors(node)) + self._titled
            self.first_heading = self.first_heading or words
        self.newline(2)
        self.text("#" * min(level, 6) + " ")
        self._children(node)
        self.newline(2)

    def _fields(self, fields: nodes.Element) -> None:
        """The file's opening field list (docutils' docinfo): its title, tags and properties."""
        for field in fields.children:
            if isinstance(field, nodes.field):
                key, value = field[0].astext().strip().lower(), field[1].astext().strip()
            elif isinstance(field, nodes.Element):  # `:author:`, `:date:` ... as docutils names them
                key, value = field.tagname, field.astext().strip()
            else:
                continue
            if key == "title":
                self.title = " ".join(value.split())
            elif key in ("tags", "keywords"):
                self.tags += [tag.strip() for tag in re.split(r"[,;]", value) if tag.strip()]
            elif key not in _SPHINX_FIELDS and value:
                self.properties[key] = " ".join(value.split())

    def _failed_directive(self, message: nodes.system_message) -> None:
        """A directive docutils could not run, read all the same: one no one registered (an
        extension's) as its argument and content; one given an option docutils does not know
        (`.. figure:: a.png` with Sphinx's `:loading: lazy`) again without its options."""
        said = message[0].astext() if len(message) > 1 else ""
        if not said.startswith(("Unknown directive type", "Error in ")):
            return
        lines = message[1].astext().split("\n")
        options = [line for line in lines[1:] if _OPTION_LINE.match(line)]
        body = "\n".join(line for line in lines[1:] if not _OPTION_LINE.match(line))
        if said.startswith("Error in "):
            if not options:
                return  # read as docutils read it: nothing
            source = lines[0] + "\n" + body
        else:
            first = _DIRECTIVE_LINE.match(lines[0].strip())
            source = ((first["argument"] if first else "") + "\n\n" + _dedent(body)).strip()
        if source:
            self.newline(2)
            self._children(_parse(source, message.get("source", "")))

    def _list_marker(self) -> str:
        indent = "  " * max(len(self._lists) - 1, 0)
        number = self._lists[-1] if self._lists else None
        if number is None:
            return indent + "- "
        self._lists[-1] = number + 1
        return f"{indent}{number}. "

    def _take_marker(self) -> str:
        marker, self._marker = self._marker, ""
        return marker

    def newline(self, count: int) -> None:
        """End the text so far with at least `count` line breaks (none at the very start; in a table
        cell, a space)."""
        if self._cells:
            self._gap = True
        else:
            end_lines(self.items, count)

    def text(self, text: str) -> None:
        if not text:
            return
        if self._marker and text.strip():
            text = self._take_marker() + text.lstrip()
        if self._gap and text.strip():
            previous = self.items[-1] if self.items and isinstance(self.items[-1], str) else ""
            text = (" " if previous and not previous[-1].isspace() else "") + text.lstrip()
            self._gap = False
        add_text(self.items, text)


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def _label_title(node: nodes.inline) -> str:
    """What Sphinx shows for `:ref:`label`` when the label is on this page: the title of the section
    or the caption of the figure or table after it ("" for one on another page)."""
    document = node.document
    labelled = document.ids.get(document.nameids.get(node["reftarget"]) or "") if document else None
    if isinstance(labelled, (nodes.section, nodes.table)):
        title = next(iter(labelled.findall(nodes.title)), None)
    elif isinstance(labelled, nodes.figure):
        title = next(iter(labelled.findall(nodes.caption)), None)
    else:
        title = None
    return " ".join(title.astext().split()) if title is not None else ""


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)
