"""The title of a document that does not say one: which opening line names it, else its file name.

A document with no title of its own (no title property it says, no heading it opens with) has been
named by its first line. On real course material that line is often not a name:
- a question bank opens with its first question ("1．有以下程序", "（1）下列叙述中正确的是"), an answer
  sheet with its first answers, a review sheet with its first section ("一、单项选择题"): the file
  name ("第5章 循环.docx", "18年C语言复习题.docx") is what the person named it, and what they search;
- a Chinese exam paper opens with its classification mark ("机密★启用前", "绝密★启用前") and a
  downloaded one with the site's banner ("上学吧（www.shangxueba.com）", "www.kaoerji.com"): the
  line after them is the paper's name ("2006 年 9 月全国计算机等级考试二级笔试试卷");
- a short line with no letter ("3", a page number or a stray digit from a cover table) names
  nothing: the next line does (a date, "2024-05-01", still names a journal's page).
"""

from __future__ import annotations

import posixpath
import re

TITLE_MAX_CHARS = 200
OPENING_LINES = 5  # marks and banners are looked past this many lines at most
_NUMBER = r"(?:\d{1,3}|[一二三四五六七八九十]{1,3})"
# A list item, question or numbered section: "1.", "1．", "1、", "1)", "（1）", "一、", "①", "A．"
# (not "2.4 GHz" nor "3.5 mm": a number's decimals are no item mark)
ENUMERATED = re.compile(
    rf"^\s*(?:{_NUMBER}\s*(?:[.．](?!\d)|[、)）])|[(（]\s*(?:{_NUMBER}|[a-zA-Z])\s*[)）]"
    r"|[a-zA-Z]\s*[.．、)）]\s|[\u2460-\u2473\u2776-\u277f])"
)
# A classification mark atop an exam paper or a web address (a download site's banner or watermark)
BANNER = re.compile(
    r"^\s*[绝机秘]密\s*[★☆*]|(?i:\bwww\.[\w-]+\.\w|https?://|^[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|cn)\b)"
)
_LETTER = re.compile(r"[^\W\d_]")


def opening_title(text: str) -> str:
    """The first line of `text` when it names the document (past classification marks, banners and
    lines with no letter), "" when it is a list item, question or numbered section (see module doc)."""
    looked = 0
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if not line:
            continue
        looked += 1
        if looked <= OPENING_LINES and (BANNER.search(line) or (len(line) <= 3 and not _LETTER.search(line))):
            continue
        return "" if ENUMERATED.match(line) else line[:TITLE_MAX_CHARS]
    return ""


def file_title(name: str) -> str:
    """A file's name without its folder and suffix, as the person named it: "第5章 循环"."""
    stem, _ = posixpath.splitext(posixpath.basename(name.replace("\\", "/")))
    return stem.strip() or name


_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[^\W_]+")


def deck_title(title: str, name: str) -> str:
    """A slide deck's title from its slides, or its file's name when that says more. A course's decks
    share a cover ("操作系统原理", "数据结构课程的内容") while each file names its topic ("死锁之避免",
    "第10章 内部排序(8学时)"): the name wins when the slides' title is part of it ("第三章" in
    "第三章_调度与死锁"), or when the two share nothing and the name is a topic (4 or more CJK
    characters, or 3 or more words), not a code ("Lab04", "Lecture02"). A title that holds the name
    ("第五章 JDBC数据库连接" for "第五章.ppt") stays."""
    stem = file_title(name)
    if not title:
        return ""
    said, named = _compact(title), _compact(stem)
    if named in said:
        return title
    if said in named:
        return stem
    shared = _pieces(said) & _pieces(named)
    topic = len(_CJK_CHAR.findall(stem)) >= 4 or len(_WORD.findall(stem)) >= 3
    return stem if topic and not shared else title


def _compact(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _pieces(text: str) -> set[str]:
    """Two-character pieces of CJK runs and the words of other scripts, for telling whether two
    names share anything."""
    pieces = {text[i : i + 2] for i in range(len(text) - 1) if _CJK_CHAR.match(text[i : i + 2])}
    pieces |= {w for w in re.findall(r"[a-z0-9]{3,}", text)}
    return pieces
