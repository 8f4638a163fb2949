"""Marking the query's words in a card's text: escaped first-class, CJK without spaces."""

from __future__ import annotations

from webapp.highlight import highlight


def test_words_are_marked_where_a_word_starts_case_insensitively():
    assert highlight("Folded it, fold the items", ["fold", "it"]) == (
        "<mark>Fold</mark>ed <mark>it</mark>, <mark>fold</mark> the items"
    )
    assert highlight("unfold", ["fold"]) == "unfold"  # not inside another word
    assert highlight("nothing here", []) == "nothing here"


def test_collection_html_is_escaped_and_never_breaks_a_mark():
    text = 'Use <mark>x</mark> & <script>alert("fold")</script>'
    assert highlight(text, ["fold", "script", "amp"]) == (
        "Use &lt;mark&gt;x&lt;/mark&gt; &amp; &lt;<mark>script</mark>&gt;alert(&quot;<mark>fold</mark>"
        "&quot;)&lt;/<mark>script</mark>&gt;"
    )
    assert highlight("a.b (c)", ["a.b", "(c"]) == "<mark>a.b</mark> <mark>(c</mark>)"  # terms are literal


def test_overlapping_terms_become_one_mark():
    assert (
        highlight("Repotting roses", ["repot", "repotting", "roses"])
        == "<mark>Repotting</mark> <mark>roses</mark>"
    )


def test_cjk_runs_are_marked_mid_sentence_and_by_their_pieces():
    assert (
        highlight("先把五花肉切块，红烧肉的做法", ["红烧肉"]) == "先把五花肉切块，<mark>红烧肉</mark>的做法"
    )
    # the whole run is not there: its pieces of 2+ characters are, single characters are not
    assert highlight("红烧牛肉和米饭", ["红烧肉饭"]) == "<mark>红烧</mark>牛肉和米饭"
    assert highlight("牛肉面", ["肉饭"]) == "牛肉面"
    assert highlight("日本語のテキスト", ["テキスト"]) == "日本語の<mark>テキスト</mark>"
