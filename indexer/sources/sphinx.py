"""Sphinx's reStructuredText additions, read by plain docutils the way a built Sphinx page shows them.

docutils knows none of Sphinx's directives and roles (nor those of its extensions): each would be an
"Unknown directive" / "Unknown interpreted text role" error holding its source, and the words inside
(a `.. tab::`'s steps, an `.. only::` block, a `:ref:` link's text) would be lost or read as markup.
- Directives whose content the page shows (`only`, `tab`, `glossary`, `versionadded`, `seealso`,
  sphinx-design's cards and tabs, a domain's `function` with its description...) read as their
  content, with their title where the page shows one; code directives (`code-block`, `prompt`,
  `doctest`) as their code; the rest (`toctree`, `index`, `automodule`, `literalinclude`, diagrams)
  show nothing we can read. They are registered with docutils once, on first use
  (`register_directives`), and never replace one docutils or Sphinx already registered.
- Every role docutils does not know reads as its text (`LenientInliner`, no registration needed):
  `:ref:`Calibration <calibrating>`` as "Calibration", `:ref:`new-labware`` as "new labware",
  `:py:meth:`~api.Pipette.aspirate`` as "aspirate()", as Sphinx prints them; a `:ref:` to a label
  of the same page as the title of the section or the caption of the figure it labels.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Sequence

from docutils import nodes, utils
from docutils.parsers.rst import Directive, directives, roles, states
from docutils.statemachine import StringList

# Directives whose content is the page's words; their argument, where shown, is a title line.
_TITLED = (
    "tab group-tab tab-item dropdown card grid-item-card details collapse hlist centered seealso "
    " glossary todo versionadded versionchanged deprecated "
    "versionremoved function method class attribute data exception decorator property describe "
    "object option cmdoption envvar confval py:function py:method py:class py:attribute py:data "
    "py:exception py:decorator py:property py:classmethod py:staticmethod c:function c:macro "
    "c:struct c:member c:type cpp:function cpp:class js:function rst:directive rst:role"
).split()
# ... and whose argument is a condition, not shown.
_UNTITLED = "only ifconfig tabs tab-set grid grid-item card-carousel".split()
_CODE = (
    "code-block sourcecode code-tab prompt doctest testcode testoutput ipython jupyter-execute "
    "jupyter-input jupyter-output"
).split()
_HIDDEN = (
    "toctree index automodule autoclass autofunction automethod autodata autoattribute "
    "autoexception autosummary autoprogram autodoc autoenum module currentmodule py:module "
    "py:currentmodule default-domain highlight literalinclude sectionauthor moduleauthor codeauthor "
    "tabularcolumns testsetup testcleanup graphviz graph digraph inheritance-diagram mermaid plot "
    "productionlist bibliography youtube vimeo video raw-html nbgallery program"
).split()
_VERSION_WORDS = {
    "versionadded": "New in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
    "versionremoved": "Removed in version",
}
_EXPLICIT_TITLE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_CALLABLE_ROLES = {"func", "meth"}
_TRANSLATION_LINK = re.compile(r"^[\w-]+:\[(?P<text>[^\]]*)\]$")


class _AnyOption(dict):
    """Every option a directive is given is accepted as written (extensions add many)."""

    def __missing__(self, key: str):
        return directives.unchanged


def _options() -> _AnyOption:
    return _AnyOption(name=directives.unchanged)  # not empty: docutils skips option parsing then


class _Lenient(Directive):
    """An argument, any options and content, as Sphinx's directives and their extensions take."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = _options()
    has_content = True


class _Shown(_Lenient):
    """Content read as the page's body, after the argument as a line of text."""

    show_argument = True

    def run(self) -> list[nodes.Node]:
        box = nodes.container()
        argument = self.arguments[0] if self.arguments else ""
        content = self.content
        if words := _VERSION_WORDS.get(self.name):  # `.. versionchanged:: 2.16 What changed.`
            version, change = (argument.split(None, 1) + ["", ""])[:2]
            box += nodes.paragraph(text=f"{words} {version}" + (":" if change or content else "."))
            argument, content = change, StringList([change, *content]) if change else content
        elif argument and self.show_argument:
            shown, messages = self.state.inline_text(argument, self.lineno)  # its roles, literals
            box += nodes.paragraph(argument, "", *shown)
            box += messages
        if content:
            self.state.nested_parse(content, self.content_offset, box)
        return [box]


class _Condition(_Shown):
    show_argument = False


class _Code(_Lenient):
    def run(self) -> list[nodes.Node]:
        code = textwrap.dedent("\n".join(self.content))  # options indented less than the code
        return [nodes.literal_block(code, code)] if code.strip() else []


class _Hidden(_Lenient):
    def run(self) -> list[nodes.Node]:
        return []


@functools.cache
def register_directives() -> None:
    """Make Sphinx's directives known to docutils (once per process; names already known are kept)."""
    known = {*getattr(directives, "_directives", {}), *getattr(directives, "_directive_registry", {})}
    for names, kind in ((_TITLED, _Shown), (_UNTITLED, _Condition), (_CODE, _Code), (_HIDDEN, _Hidden)):
        for name in names:
            if name not in known:
                directives.register_directive(name, kind)


def role_text(role: str, text: str) -> str:
    """What Sphinx prints for a cross-reference role it knows and docutils does not."""
    text = utils.unescape(text)
    if explicit := _EXPLICIT_TITLE.match(text):
        return explicit["title"]
    role = role.lower().rsplit(":", 1)[-1]
    target = text.lstrip("!")
    if role in ("ref", "doc", "numref", "term", "download", "any"):
        target = target.rsplit("/", 1)[-1] if role == "doc" else target
        return target.replace("-", " ").replace("_", " ") if role in ("ref", "doc", "numref") else target
    if translation := _TRANSLATION_LINK.match(target):  # esp-docs' :link_to_translation:`en:[English]`
        return translation["text"]
    if role == "guilabel":
        return target.replace("&&", "\0").replace("&", "").replace("\0", "&")
    if role == "menuselection":
        return target.replace("-->", "›")
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    target = target.lstrip(".")  # `.Class.method`: looked up from the current module
    return target + "()" if role in _CALLABLE_ROLES and not target.endswith(")") else target


def _lenient_role(
    role: str, rawtext: str, text: str, lineno: int, inliner, options=None, content: Sequence[str] = ()
):
    shown = nodes.inline(rawtext, role_text(role, text))
    if role.lower() in ("ref", "std:ref", "numref") and not _EXPLICIT_TITLE.match(text):
        shown["reftarget"] = utils.unescape(text).strip().lower()  # a label: its section's title
    return [shown], []


class LenientInliner(states.Inliner):
    """docutils' inline parser, reading a role it does not know as its text instead of an error."""

    # docutils builds its patterns from `vars(type(self))`: the pieces it defines there, here too
    locals().update({k: v for k, v in vars(states.Inliner).items() if isinstance(v, str)})

    def interpreted(self, rawsource, text, role, lineno):
        role_fn, messages = roles.role(role, self.language, lineno, self.reporter)
        role_fn = role_fn or _lenient_role
        found, more = role_fn(role, rawsource, text, lineno, self)
        return found, messages + more
