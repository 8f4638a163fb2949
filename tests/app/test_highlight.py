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


def test_words_typed_without_accents_mark_the_words_written_with_them():
    # what keyword search finds (ASCII folding, keyword.fold), the card marks, as written
    assert highlight("Crème brûlée à la vanille", ["creme", "brulee"]) == (
        "<mark>Crème</mark> <mark>brûlée</mark> à la vanille"
    )
    assert highlight("CREME", ["crème"]) == "<mark>CREME</mark>"  # and the other way round
    assert highlight("Größe, Straße", ["grosse", "strasse"]) == "<mark>Größe</mark>, <mark>Straße</mark>"
    assert highlight("Cách nấu phở bò", ["pho", "bo"]) == "Cách nấu <mark>phở</mark> <mark>bò</mark>"
    assert highlight("Cre\u0301me <b>Œuvre</b>", ["creme", "oeuvre"]) == (
        "<mark>Cre\u0301me</mark> &lt;b&gt;<mark>Œuvre</mark>&lt;/b&gt;"  # a decomposed accent stays inside
    )
    assert highlight("Ｆｕｌｌ width", ["full"]) == "<mark>Ｆｕｌｌ</mark> width"


def test_greek_russian_arabic_and_hebrew_are_marked_without_their_accents_or_points():
    assert highlight("Πώς να φτιάξετε μουσακά", ["μουσακα", "πως"]) == (
        "<mark>Πώς</mark> να φτιάξετε <mark>μουσακά</mark>"
    )
    assert highlight("Как заменить ёлочную", ["елочную"]) == "Как заменить <mark>ёлочную</mark>"
    assert highlight("طريقة عمل الكُنافة", ["الكنافة"]) == "طريقة عمل <mark>الكُنافة</mark>"
    assert highlight("שָׁלוֹם עולם", ["שלום"]) == "<mark>שָׁלוֹם</mark> עולם"
    assert highlight("김치찌개", ["김치"]) == "<mark>김치</mark>찌개"  # Hangul is not taken apart
    assert highlight("ｶﾞｲﾄﾞのﾃｽﾄ", ["ガイド"]) == "<mark>ｶﾞｲﾄﾞ</mark>のﾃｽﾄ"  # with its voicing marks
    assert highlight("كِتابٌ جديد", ["كتاب"]) == "<mark>كِتابٌ</mark> جديد"  # and the closing vowel point
    assert highlight("Україна", ["украина"]) == "Україна"  # і is a letter of its own
