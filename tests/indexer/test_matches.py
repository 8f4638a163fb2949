"""Where a query's words are in a note (`indexer.matches`): the stretch the command line quotes and a
card's preview points to, cut at words, on the original characters."""

from __future__ import annotations

from indexer.keyword import fold
from indexer.matches import excerpt, matches, quote
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment


def test_an_excerpt_is_cut_at_words_around_the_first_match_and_keeps_its_spans():
    text = "Loosen the four bolts on the left side and tighten the nut, then check the Größe of the gap.\nOK."
    stretch, spans = excerpt(text, ["grosse"])
    assert stretch == "… and tighten the nut, then check the Größe of the gap. OK."  # one line
    assert [stretch[a:b] for a, b in spans] == ["Größe"]
    long = "word " * 60 + "gasket " + "word " * 60
    stretch, spans = excerpt(long, ["gasket"])
    assert stretch.startswith("… word") and stretch.endswith("word …") and len(stretch) < 160
    assert [stretch[a:b] for a, b in spans] == ["gasket"]
    assert excerpt(text, ["absent"]) is None and excerpt(text, []) is None
    chinese = "先把五花肉切块，" * 10 + "再用冰糖炒出糖色。"  # no spaces: cut where the characters fall
    stretch, spans = excerpt(chinese, ["冰糖"])
    assert stretch.startswith("… ") and [stretch[a:b] for a, b in spans] == ["冰糖"]


def test_a_thai_excerpt_is_cut_between_words_and_marks_a_word_inside_a_sentence():
    text = "ต้มน้ำให้เดือดแล้ว" * 6 + "หากคุณต้องการใส่ข่าตะไคร้ใบมะกรูดลงไปเคี่ยวจนหอม" + "แล้วปิดไฟ" * 20
    stretch, spans = excerpt(text, ["ตะไคร้"])
    assert [stretch[a:b] for a, b in spans] == ["ตะไคร้"]
    assert stretch.startswith("… ต้มน้ำ") and stretch.endswith("แล้ว …")  # whole words, no mark cut off
    assert matches(fold("คำถามของคุณ"), ["คำถาม"]) == [(0, 6)]  # ำ typed, ํา written: one letter


def test_a_quote_is_from_the_text_below_the_title_else_a_picture_s_words_else_the_tags(image_factory):
    picture = image_factory("red")
    doc = InterleavedDoc(
        (TextSegment("# Router reset\n\nHold the button for ten seconds."), ImageSegment(picture)),
        title="Router reset",
        meta={"picture_words": ["WAN light: amber means no signal"], "tags": ["network", "home/wifi"]},
    )
    assert quote(doc, ["button"])[:2] == ("", "Hold the button for ten seconds.")
    assert quote(doc, ["router"]) is None  # in the title alone: the line above shows it already
    place, stretch, spans = quote(doc, ["amber"])
    assert place == f"picture {picture.rsplit('/', 1)[-1]}" and stretch == "WAN light: amber means no signal"
    assert [stretch[a:b] for a, b in spans] == ["amber"]
    assert quote(doc, ["wifi"])[:2] == ("tags", "#network #home/wifi")  # a tag is keyword text too
    assert quote(doc, []) is None


def test_arabic_and_persian_typed_another_way_mark_the_words_as_written():
    text = "من می‌خواهم یک کتاب بخرم. الذهاب إلى المستشفى"
    for typed, written in (
        (["میخواهم"], ["می\u200cخواهم"]),  # no non-joiner typed
        (["يك", "كتاب"], ["یک", "کتاب"]),  # an Arabic keyboard's yeh and kaf
        (["الى", "المستشفي"], ["إلى", "المستشفى"]),  # no hamza; alef maksura typed as yeh
    ):
        assert [text[a:b] for a, b in matches(text, typed)] == written
