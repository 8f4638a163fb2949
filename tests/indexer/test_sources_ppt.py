"""PowerPoint 97-2003 presentations (`.ppt`, our own reader of the binary format): a deck reads as a
`.pptx` does, slides in order under their titles, shapes in reading order with their pictures, the
master's date, footer and slide number left out, speaker notes after; what is not read is said.

Fixtures are built record by record (`ppt_fixture.py`): no tool here writes `.ppt`."""

from __future__ import annotations

import io

import pytest
from doc_fixture import compound_file
from PIL import Image
from ppt_fixture import BODY, DATE_PLACEHOLDER, EMF_BLIP, PNG_BLIP, TITLE, Box, Deck, Slide, ppt_file
from source_helpers import read_warnings, settle, write
from test_sources_slides import deck as pptx_deck

from indexer import Searcher, build_index
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format="PNG")
    return out.getvalue()


def lab_deck(**kwargs) -> bytes:
    """A lab's deck: a title slide; a slide whose photo sits above its text box, with the master's
    date and a slide number field, and speaker notes; a slide holding a pasted EMF drawing."""
    slides = [
        Slide(
            [
                Box(300, text="Passage HeLa cells\nProtocol v2", text_type=BODY),
                Box(100, text="Cell culture basics", text_type=TITLE),
            ]
        ),
        Slide(
            [
                Box(100, text="Split 1:4", text_type=TITLE),
                Box(400, text="Aspirate the medium\nRinse with PBS", text_type=BODY),
                Box(200, picture=1),
                Box(600, text="12/01/2024", placeholder=DATE_PLACEHOLDER),
                Box(650, left=500, text="Slide *", field_at=6),
            ],
            notes="Check the incubator first",
        ),
        Slide([Box(100, text="Wiring", text_type=TITLE), Box(200, picture=2)]),
    ]
    return ppt_file(
        Deck(slides, [(PNG_BLIP, png("red")), (EMF_BLIP, b"\x01\x00\x00\x00" + bytes(80))], **kwargs)
    )


def texts(doc) -> str:
    return "".join(s.text if isinstance(s, TextSegment) else "[picture]" for s in doc.segments)


def test_a_deck_reads_slide_by_slide_in_reading_order_with_its_notes(tmp_path):
    write(tmp_path / "talks" / "hela.ppt", lab_deck())
    [doc], warned = read_warnings(tmp_path)
    assert doc.title == "Cell culture basics"
    assert texts(doc) == (
        "## Cell culture basics\n\nPassage HeLa cells\nProtocol v2\n\n"
        "## Split 1:4[picture]Aspirate the medium\nRinse with PBS\n\nSlide\n\n"
        "Notes: Check the incubator first\n\n"
        "## Wiring"
    )  # the master's date is not read; the slide number field's "*" is not a word
    assert sum(isinstance(s, ImageSegment) for s in doc.segments) == 1
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        ("talks/hela.ppt", "unsupported type", "talks/hela.ppt: not read: EMF pictures")
    ]


def test_files_that_are_no_readable_old_deck_are_said_by_name_and_a_new_one_is_read(tmp_path):
    write(tmp_path / "locked.ppt", lab_deck(encrypted=True))
    write(tmp_path / "letter.ppt", compound_file({"WordDocument": b"\xec\xa5" + bytes(600)}))
    write(tmp_path / "empty.ppt", b"")
    write(tmp_path / "garbage.ppt", b"not a presentation at all")
    write(tmp_path / "cut.ppt", compound_file({"PowerPoint Document": bytes(8), "Current User": bytes(40)}))
    write(tmp_path / "renamed.ppt", pptx_deck())  # a .pptx saved under an old name
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["renamed.ppt"] and "Build with CMake" in texts(docs[0])
    said = {w.file: (w.reason, str(w)) for w in warned}
    assert said == {
        "cut.ppt": ("unreadable", said["cut.ppt"][1]),
        "empty.ppt": ("empty", "empty.ppt: empty file (0 bytes), skipped"),
        "garbage.ppt": (
            "unreadable",
            "garbage.ppt: not a PowerPoint presentation (no Office 97-2003 file, or a damaged one), skipped",
        ),
        "letter.ppt": ("unsupported type", "letter.ppt: a Word 97-2003 document under a .ppt name, skipped"),
        "locked.ppt": (
            "unreadable",
            "locked.ppt: password-protected; save a copy without a password, skipped",
        ),
    }
    assert said["cut.ppt"][1].startswith("cut.ppt: a damaged PowerPoint 97-2003 presentation (")


@pytest.mark.parametrize("suffix", [".ppt", ".pptx"])
def test_an_old_deck_under_either_name_is_indexed_and_found_by_its_words(tmp_path, tiny_dsvl, suffix):
    folder, uri = tmp_path / "lab", str(tmp_path / "index")
    write(folder / f"hela{suffix}", lab_deck())
    settle(folder)
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert report.embedded == 1
    searcher = Searcher.open(uri, None, warm=False)
    hits = searcher.search(InterleavedDoc((TextSegment("aspirate the medium"),)), k=1, mode="keyword")
    assert hits[0].id == f"lab/hela{suffix}"


def test_a_notes_page_alone_is_not_a_slide(tmp_path):
    """Notes are the slide's: a deck whose slide has notes and no text still reads its notes under
    the slide's number."""
    write(tmp_path / "n.ppt", ppt_file(Deck([Slide([], notes="Only notes here")])))
    [doc], _ = read_warnings(tmp_path)
    assert texts(doc) == "## Slide 1\n\nNotes: Only notes here"


@pytest.mark.parametrize(
    ("slides_say", "file", "title"),
    [
        (
            "操作系统原理",
            "死锁之避免（操凤萍）.ppt",
            "死锁之避免（操凤萍）",
        ),  # the course's cover, the file's topic
        (
            "第三章",
            "第三章_调度与死锁(课件).ppt",
            "第三章_调度与死锁(课件)",
        ),  # the slides' title is in the name
        ("第五章 JDBC数据库连接", "第五章.ppt", "第五章 JDBC数据库连接"),  # the title says more than the name
        ("第三章 栈和队列", "第3章 栈和队列(8学时).ppt", "第三章 栈和队列"),  # they share words: the slides'
        ("Advanced Programming: Lab 4, CMake", "Lab04.pptx", "Advanced Programming: Lab 4, CMake"),  # a code
        ("Welcome", "Kubernetes networking deep dive.pptx", "Kubernetes networking deep dive"),
    ],
)
def test_a_deck_is_titled_by_its_file_s_name_when_that_says_more(tmp_path, slides_say, file, title):
    cover = Slide([Box(100, text=slides_say, text_type=TITLE), Box(300, text="Slides", text_type=BODY)])
    write(tmp_path / file, ppt_file(Deck([cover])))
    [doc], _ = read_warnings(tmp_path)
    assert doc.title == title


def test_a_damaged_picture_costs_only_itself(tmp_path):
    deck = Deck(
        [Slide([Box(100, text="Wiring", text_type=TITLE), Box(200, picture=1)])], picture_past_end=True
    )
    deck.pictures = [(PNG_BLIP, png("red"))]
    write(tmp_path / "w.ppt", ppt_file(deck))
    [doc], warned = read_warnings(tmp_path)
    assert texts(doc) == "## Wiring"
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        ("w.ppt", "unreadable", "w.ppt: image skipped, picture 1 is damaged")
    ]


def test_a_deck_s_properties_give_its_title_tags_and_author(tmp_path):
    cover = Slide([Box(100, text="细胞培养", text_type=TITLE), Box(300, text="第一讲", text_type=BODY)])
    deck = Deck([cover], properties=("细胞培养", "王老师", "细胞；培养, lab"))
    write(tmp_path / "lecture.ppt", ppt_file(deck))
    [doc], warned = read_warnings(tmp_path)
    assert warned == [] and doc.title == "细胞培养"  # the title property its cover says
    assert doc.meta["tags"] == ["细胞", "培养", "lab"] and doc.meta["properties"] == {"author": "王老师"}
