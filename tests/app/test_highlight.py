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


def test_simplified_terms_mark_traditional_characters_and_the_reverse():
    """Compared folded (`keyword.fold`), marked in the characters the note holds."""
    card = "樂鑫 ESP32 模組的電壓是 3.3 V"
    assert highlight(card, ["乐鑫", "电压"]) == "<mark>樂鑫</mark> ESP32 模組的<mark>電壓</mark>是 3.3 V"
    assert highlight("乐鑫模组，记忆体 520 KB", ["模組", "記憶體"]) == (
        "乐鑫<mark>模组</mark>，<mark>记忆体</mark> 520 KB"
    )
    assert highlight("<b>電壓</b>", ["电压"]) == "&lt;b&gt;<mark>電壓</mark>&lt;/b&gt;"  # still escaped
    assert highlight("卵焼きと醤油", ["醤油"]) == "卵焼きと<mark>醤油</mark>"  # Japanese as before
