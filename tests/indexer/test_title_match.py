"""A query that is a note's exact title (or alias) brings that note first, whatever BM25 makes of it."""

from __future__ import annotations

from indexer import Searcher, build_index
from mme_core.documents import InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 2}
DETR = "# DETR\n\nSet prediction with a transformer.\n"
DEFORMABLE = (
    "# Deformable DETR\n\nDeformable DETR speeds up DETR: DETR converges slowly, Deformable DETR "
    "attends to a few sampling points, so DETR training is ten times shorter.\n"
)
ALIASED = "---\naliases: [Average precision (AP)]\n---\n# AP\n\nArea under the precision-recall curve.\n"


def text(words: str) -> InterleavedDoc:
    return InterleavedDoc((TextSegment(words),))


def build(notes, tmp_path, tiny_dsvl):
    (notes / "detr.md").write_text(DETR)
    (notes / "deformable-detr.md").write_text(DEFORMABLE)
    (notes / "ap.md").write_text(ALIASED)
    build_index(notes, tmp_path / "idx", tiny_dsvl, name="papers", ns=(1, 3), **FAST)
    return Searcher.open(tmp_path / "idx", tiny_dsvl)


def test_the_note_titled_as_the_query_comes_first(tiny_dsvl, notes, tmp_path):
    searcher = build(notes, tmp_path, tiny_dsvl)

    plain = searcher.search(text("detr"), k=2, mode="keyword", titles_first=False)
    assert [h.id for h in plain] == ["papers/deformable-detr.md", "papers/detr.md"]  # BM25 alone

    for mode in ("keyword", "semantic", "hybrid"):
        hits = searcher.search(text("detr"), k=2, mode=mode)
        assert (hits[0].id, hits[0].mode, hits[0].score, hits[0].rank) == ("papers/detr.md", "title", 1.0, 1)
        assert hits[1].id != "papers/detr.md" and hits[1].rank == 2, mode

    aliased = searcher.search(text("average precision AP"), k=1, mode="keyword")  # punctuation aside
    assert (aliased[0].id, aliased[0].mode) == ("papers/ap.md", "title")


def test_a_title_match_keeps_to_the_filters_and_partial_titles_do_not_count(tiny_dsvl, notes, tmp_path):
    searcher = build(notes, tmp_path, tiny_dsvl)

    assert searcher.search(text("DETR"), k=3, mode="keyword", folders=("nowhere",)) == []
    hits = searcher.search(text("deformable"), k=2, mode="keyword")  # a word of a title, not the title
    assert [h.mode for h in hits] == ["keyword"] * len(hits)
    assert searcher.search(text("Deformable DETR"), k=1)[0].id == "papers/deformable-detr.md"


def test_a_title_typed_without_its_accents_or_in_the_other_chinese_script_still_names_its_note(
    tiny_dsvl, notes, tmp_path
):
    (notes / "brulee.md").write_text("# Crème brûlée\n\nCrème, sucre, vanille; brûlée means burnt.\n")
    (notes / "creme.md").write_text("# Creme tips\n\nCreme brulee, creme brulee, creme brulee again.\n")
    (notes / "hongshao.md").write_text("# 红烧肉\n\n五花肉切块。\n")
    (notes / "moussaka.md").write_text("# Μουσακάς\n\nΜελιτζάνες.\n")
    (notes / "want.md").write_text("# می‌خواهم بخرم\n\nکتاب و دفتر.\n")  # a non-joiner in the title
    searcher = build(notes, tmp_path, tiny_dsvl)

    plain = searcher.search(text("creme brulee"), k=2, mode="keyword", titles_first=False)
    assert plain[0].id == "papers/creme.md"  # BM25 alone: the note that repeats the words
    for words, expected in (
        ("creme brulee", "brulee"),
        ("紅燒肉", "hongshao"),
        ("ΜΟΥΣΑΚΑΣ", "moussaka"),
        ("می خواهم بخرم", "want"),  # the non-joiner typed as a space,
        ("ميخواهم بخرم", "want"),  # or left out on an Arabic keyboard
    ):
        hits = searcher.search(text(words), k=2, mode="keyword")
        assert (hits[0].id, hits[0].mode, hits[0].score) == (f"papers/{expected}.md", "title", 1.0), words
        assert [(h.mode, h.rank) for h in hits[1:]] == [("keyword", 2)] * len(hits[1:]), words
    exact = searcher.search(text("Creme tips"), k=1, mode="hybrid")  # written exactly: found by the scan
    assert (exact[0].id, exact[0].mode) == ("papers/creme.md", "title")
