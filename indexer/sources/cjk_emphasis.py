"""Emphasis next to Chinese, Japanese and Korean words, read as the writer meant it (a markdown-it plugin).

CommonMark decides whether `**` or `_` opens or closes emphasis by what stands beside it, rules made
for languages that put spaces between words. Korean and Japanese put a particle straight after the
marked words, often after a bracket or an ellipsis: `**지도(Map)**를 선택`, `**要約…**を選択`,
`_バックリンク_を使う`. CommonMark keeps those markers as text, so the note read "**지도(Map)**를"
(on the Korean and Japanese Obsidian help, 470 such markers in 170 pages), while the editors the
notes were written in (Obsidian, Typora) show them bold or in italics, as does the CJK-friendly
amendment proposed for CommonMark (markdown-it-cjk-friendly).

Here a delimiter run beside a CJK character (Han, kana, Hangul, CJK and full-width punctuation) may
open or close where the other side is punctuation, and `_` may open or close inside such a word.
Runs between Latin letters, digits or spaces are judged exactly as CommonMark judges them.
"""

from __future__ import annotations

import re
from types import MethodType

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Scanned

_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff"
    "\u3200-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


def cjk_emphasis_plugin(md: MarkdownIt) -> None:
    """Judge `*` / `_` runs by `scan_delims` in the emphasis and strikethrough rules."""
    ruler = md.inline.ruler
    for name in ("emphasis", "strikethrough"):
        ruler.at(name, _with_cjk_scan(ruler.__rules__[ruler.__find__(name)].fn))


def _with_cjk_scan(tokenize):
    def rule(state: StateInline, silent: bool) -> bool:
        state.scanDelims = MethodType(scan_delims, state)  # this state's, the class's left as it is
        return tokenize(state, silent)

    return rule


def scan_delims(state: StateInline, start: int, can_split_word: bool) -> Scanned:
    """`StateInline.scanDelims` (CommonMark's flanking rules) with a CJK neighbour counted as a
    space-like boundary where the other side is punctuation, and as a word boundary for `_`."""
    marker, end = state.src[start], start
    while end < state.posMax and state.src[end] == marker:
        end += 1
    last = state.src[start - 1] if start > 0 else " "  # a line's ends count as spaces
    after = state.src[end] if end < state.posMax else " "
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
    cjk = bool(_CJK.match(last) or _CJK.match(after))
    left = not next_space and (not next_punct or last_space or last_punct or cjk)
    right = not last_space and (not last_punct or next_space or next_punct or cjk)
    can_open = left and (can_split_word or not right or last_punct or cjk)
    can_close = right and (can_split_word or not left or next_punct or cjk)
    return Scanned(can_open, can_close, end - start)
