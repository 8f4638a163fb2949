"""Titles of Chinese course material that says none: a question bank is named by its file, an exam
paper by the line after its classification mark or a download site's banner, never by Word's hidden
form marks, a site's name in the PDF's properties or a row of private-use glyphs.

Found on a real collection (Puhangxf/Test-awesome: question banks, exam papers, lab reports); the
Word and PDF fixtures are written here part by part (`test_sources_docx`, `test_sources_pdf`)."""

from __future__ import annotations

import io

from PIL import Image
from source_helpers import read_warnings, write
from test_sources_docx import docx, para
from test_sources_pdf import Pdf

from indexer import Searcher, build_index
from indexer.sources.pdf import PRIVATE_USE
from indexer.sources.titles import file_title, opening_title
from indexer.store import Index
from mme_core.documents import InterleavedDoc, TextSegment


def word(*lines: str, hidden: tuple[str, ...] = ()) -> bytes:
    """A Word document of one paragraph per line; `hidden` lines first, as hidden text (`w:vanish`),
    the way Word writes the marks around a web page's form pasted in."""
    marks = [
        f'<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t xml:space="preserve">{line}</w:t></w:r></w:p>'
        for line in hidden
    ]
    return docx(*marks, *(para(line) for line in lines))


def titles(root) -> dict[str, str]:
    docs, _ = read_warnings(root)
    return {doc.id: doc.title for doc in docs}


def test_a_question_bank_is_named_by_its_file_not_its_first_question(tmp_path):
    bank = word("1．有以下程序", "main() { int i; }", "2．以下叙述正确的是")
    write(tmp_path / "选择题库" / "第5章 循环.docx", bank)
    write(tmp_path / "18年C语言复习题.docx", word("一、单项选择题", "1. 下列叙述中正确的是（ ）。"))
    write(tmp_path / "答案.txt", "（1）C） （2）B）\n（3）D）\n")
    assert titles(tmp_path) == {
        "选择题库/第5章 循环.docx": "第5章 循环",
        "18年C语言复习题.docx": "18年C语言复习题",
        "答案.txt": "答案",
    }


def test_an_exam_paper_is_named_past_its_classification_mark_and_a_download_sites_banner(tmp_path):
    paper = word("机密★启用前", "2006 年 9 月全国计算机等级考试二级笔试试卷", "C 语言程序设计")
    write(tmp_path / "a.docx", paper)
    write(tmp_path / "b.txt", "上学吧（www.shangxueba.com）\n计算机二级 C++辅导:旋转锁\n正文")
    write(tmp_path / "c.docx", word("3", "3", "《C++程序设计》", "课程实验报告（第 10 次）"))
    assert titles(tmp_path) == {
        "a.docx": "2006 年 9 月全国计算机等级考试二级笔试试卷",
        "b.txt": "计算机二级 C++辅导:旋转锁",
        "c.docx": "《C++程序设计》",
    }


def test_words_hidden_by_words_form_marks_are_not_read_nor_the_title(tmp_path):
    write(
        tmp_path / "模拟试题(2).docx",
        word("2007年计算机等级考试二级C++笔试模拟试题", "一、选择题", hidden=("窗体顶端",)),
    )
    form = word("Password reset", "Top of Form is a Word style.", hidden=("Top of Form",))
    write(tmp_path / "web.docx", form)
    docs, caught = read_warnings(tmp_path)
    by_id = {doc.id: doc for doc in docs}
    assert by_id["模拟试题(2).docx"].title == "2007年计算机等级考试二级C++笔试模拟试题"
    assert "窗体顶端" not in by_id["模拟试题(2).docx"].segments[0].text
    # only the mark on a line of its own goes: the words in a sentence stay
    assert by_id["web.docx"].segments[0].text == "Password reset\n\nTop of Form is a Word style."
    assert caught == []


def test_a_lines_first_words_are_still_its_title_when_they_name_it():
    assert opening_title("2.4 GHz router setup\nsteps") == "2.4 GHz router setup"
    assert opening_title("3.5 mm jack repair") == "3.5 mm jack repair"
    assert opening_title("Python 列表\n正文") == "Python 列表"
    assert opening_title("2024-05-01\n今天去爬山") == "2024-05-01"  # a journal's page
    assert opening_title("选择题\n对C++语言和C语言的兼容性") == "选择题"
    assert opening_title("A. C兼容C++") == "" and opening_title("①第一步") == ""
    assert file_title("课件/第1章 绪论.pptx") == "第1章 绪论"


def scanned_page(pdf: Pdf) -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, format="JPEG")
    pdf.picture(pdf.page(), 0, 0, 600, 800, Pdf.jpeg_image(out.getvalue()))


def test_a_download_sites_name_in_a_scanned_pdfs_properties_is_not_its_title(tmp_path):
    pdf = Pdf(title="hongbaoshu.net")
    scanned_page(pdf)
    write(tmp_path / "2010年3月二级Java笔试真题及答案.pdf", pdf.bytes())
    assert titles(tmp_path) == {"2010年3月二级Java笔试真题及答案.pdf": "2010年3月二级Java笔试真题及答案"}


def test_a_title_property_without_a_word_is_words_guess_not_the_title(tmp_path):
    pdf = Pdf(title="(11)A)")
    page = pdf.page()
    pdf.text(page, 72, 80, "Answers to the September 2009 written test")
    for row in range(12):  # "(11)A)" among them: the line Word took for the title property
        pdf.text(page, 72, 130 + 15 * row, f"({row + 1})C)  ({row + 13})B)  ({row + 25})D)  ({row + 37})A)")
    write(tmp_path / "answers.pdf", pdf.bytes())
    assert titles(tmp_path) == {"answers.pdf": "Answers to the September 2009 written test"}


def test_private_use_glyphs_beyond_the_basic_plane_are_no_text():
    cover = "\U00100948" * 18 + " 第一部分 高频词汇 \U001009c8\ue001"
    assert PRIVATE_USE.sub("", cover).strip() == "第一部分 高频词汇"


def test_a_lessons_note_md_is_named_by_its_heading_of_any_level(tmp_path):
    """Typora course notes: one folder per lesson, each `note.md` opening with a `## heading`."""
    write(
        tmp_path / "1.拨云见日_1" / "note.md", "## 拨云见日_1\n\n### 1、什么是HTML、CSS？\n\nHTML、CSS是..."
    )
    write(tmp_path / "未命名 1.md", "# 红烧肉做法\n\n先焯水。")
    write(tmp_path / "js" / "笔记.md", "彩蛋\n\n网页时光机")
    write(tmp_path / "Shopping.md", "## Monday\n\nmilk")
    assert titles(tmp_path) == {
        "1.拨云见日_1/note.md": "拨云见日_1",
        "未命名 1.md": "红烧肉做法",
        "js/笔记.md": "彩蛋",
        "Shopping.md": "Shopping",  # a name that names the note stays its title
    }


def test_a_web_page_titled_by_an_editors_template_is_named_by_its_heading_or_file(tmp_path):
    """Students' exercise pages keep the <title> VS Code's `!` template wrote: "Document"."""
    page = '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{}</title></head><body>{}</body></html>'
    write(tmp_path / "src" / "12_跳转锚点.html", page.format("Document", '<a href="#top">回到顶部</a>'))
    write(tmp_path / "src" / "05_盒子模型.html", page.format("Document", "<h2>盒子模型</h2><p>内容</p>"))
    write(tmp_path / "src" / "login.jsp.html", page.format("Insert title here", "<p>用户名</p>"))
    write(tmp_path / "saved.html", page.format("CSS 选择器 - 菜鸟教程", "<h1>CSS 选择器</h1>"))
    assert titles(tmp_path) == {
        "src/12_跳转锚点.html": "12_跳转锚点",
        "src/05_盒子模型.html": "盒子模型",
        "src/login.jsp.html": "login.jsp",
        "saved.html": "CSS 选择器 - 菜鸟教程",
    }


def test_an_obsidian_card_of_properties_shows_its_cover_and_reads_as_its_properties(tmp_path):
    """A movie card of a real vault: properties only, its poster linked from `cover`."""
    write(tmp_path / ".obsidian" / "app.json", "{}")
    png = io.BytesIO()
    Image.new("RGB", (40, 60), "navy").save(png, format="PNG")
    write(tmp_path / "Zttachments" / "心灵捕手.png", png.getvalue())
    card = (
        '---\ntags:\n  - Movie/剧情\ncover: "[[心灵捕手.png]]"\nrating: 8.3\n'
        'Director:\n  - "[[Gus Van Sant]]"\n'
        "Synopsis: 《心灵捕手》讲述了天才数学家威尔·亨廷的故事。\nWatched: true\n---\n"
    )
    write(tmp_path / "Movies" / "心灵捕手.md", card)
    write(tmp_path / "Books" / "活着.md", '---\ncover: "[[活着.jpg]]"\n---\n余华的小说。\n')
    docs, caught = read_warnings(tmp_path)
    by_id = {doc.id: doc for doc in docs}
    assert sorted(by_id) == ["Books/活着.md", "Movies/心灵捕手.md"]  # the poster is the card's, not loose
    movie = by_id["Movies/心灵捕手.md"]
    assert movie.title == "心灵捕手"
    assert movie.segments[0].path.endswith("Zttachments/心灵捕手.png")
    assert movie.segments[1].text == (
        "rating: 8.3\nDirector: Gus Van Sant\nSynopsis: 《心灵捕手》讲述了天才数学家威尔·亨廷的故事。"
    )
    assert by_id["Books/活着.md"].segments[0].text == "余华的小说。"  # a body: properties stay properties
    assert [(w.file, w.reference, w.reason) for w in caught] == [("Books/活着.md", "[[活着.jpg]]", "missing")]


def test_a_numbered_heading_a_document_opens_with_is_a_section_not_its_title(tmp_path):
    review = docx(para("一、单项选择题", "Heading2"), para("1. 下列叙述中正确的是"))
    write(tmp_path / "18年C语言复习题.docx", review)
    write(tmp_path / "实验报告.docx", docx(para("实验一 顺序表", "Heading2"), para("一、实验目的")))
    assert titles(tmp_path) == {"18年C语言复习题.docx": "18年C语言复习题", "实验报告.docx": "实验一 顺序表"}


def test_a_document_is_found_by_the_name_its_file_was_saved_as(tiny_dsvl, tmp_path):
    """Lab reports all titled by their course ("《C++程序设计》"), saved as "C++实验报告10.docx"."""
    notes = tmp_path / "notes"
    for number in (1, 2, 10):
        report = docx(para("《C++程序设计》"), para("课程实验报告"), para(f"实验：{'类' * number}"))
        write(notes / "实验报告" / f"C++实验报告{number}.docx", report)
    write(notes / "数据库实验报告一.docx", docx(para("《数据库原理》实验报告"), para("实验要求：建表")))
    build_index(notes, tmp_path / "idx", tiny_dsvl, progress=False)
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    for name in ("C++实验报告10", "C++实验报告2", "数据库实验报告一"):
        hits = searcher.search(InterleavedDoc((TextSegment(name),)), k=3, mode="keyword")
        assert hits[0].id.endswith(f"/{name}.docx"), name
    text = Index.open(tmp_path / "idx").scan(["id", "text"]).to_pylist()
    assert {row["text"].split("\n")[:2][1] for row in text if "C++" in row["id"]} == {
        "C++实验报告1",
        "C++实验报告2",
        "C++实验报告10",
    }  # the name once, after the title; never a folder or the suffix
