"""Notes in the encodings people have them in, and notes that cannot be read: each warned with a reason."""

from __future__ import annotations

import os
import pickle

import pytest
from source_helpers import png, read_warnings, shape, write

from indexer.sources import CollectionWarning
from indexer.sources.base import warn

CHINESE = (
    "# 红烧肉的做法\n\n红烧肉是一道著名的大众菜肴，各大菜系都有自己特色的红烧肉。\n\n"
    "1. 五花肉切成两厘米见方的块，冷水下锅焯水。\n2. 锅中放少许油，加入冰糖小火炒出糖色。\n"
)
JAPANESE = (
    "# 肉じゃがの作り方\n\n肉じゃがは日本の家庭料理の定番です。\n\n"
    "1. じゃがいもと人参を一口大に切ります。\n2. 鍋に油を熱し、牛肉を炒めます。\n"
)
# Inline code and ★ beside CJK: charset-normalizer alone finds no encoding for these (too "messy").
CHINESE_CODE = (
    "# 番茄炒蛋\n\n预估烹饪难度：★★\n\n1. 将`番茄`洗净，切成`小块`，`鸡蛋`打散备用。\n"
    "2. 热锅加入份数 * 10ml`油`，倒入`蛋液`，等待 20s 后翻炒成`蛋块`盛出。\n"
    "3. 加入`番茄块`翻炒 2 分钟，加入`盐`和`糖`。\n4. 倒回`蛋块`，继续翻炒 30s，出锅。\n"
)
JAPANESE_CODE = (
    "# 肉じゃが\n\n難易度：★★\n\n1. `じゃがいも`と`人参`を一口大に切り、`玉ねぎ`はくし形に切ります。\n"
    "2. 鍋に`油`を熱し、`牛肉`を炒めて色が変わったら野菜を加えます。\n"
    "3. `出汁` 400ml、`醤油`、`みりん`、`砂糖`を加えて 20 分煮込みます。\n"
)
# A few short rows: GBK reads as cleanly as cp949 here (as Hangul beside Han: 蝎츰), and Korean as GBK.
SHORT_CHINESE = "# 书单\n\n三体，刘慈欣\n活着，余华\n"
SHORT_KOREAN = "# 김치찌개\n\n재료: 김치, 돼지고기, 두부\n"
FRENCH = (
    "# Crème brûlée à la vanille\n\nPréchauffez le four à 150 °C. Fouettez les jaunes d'œufs avec le "
    "sucre.\n\n1. Versez la crème chaude sur les œufs.\n2. Faites cuire au bain-marie.\n"
)


@pytest.mark.parametrize(
    ("text", "encoding", "reported"),
    [
        (CHINESE, "gbk", "gb18030"),
        (JAPANESE, "shift_jis", "cp932"),
        (FRENCH, "cp1252", "cp1252"),
        (CHINESE_CODE, "gbk", "gb18030"),
        (JAPANESE_CODE, "shift_jis", "cp932"),
        (SHORT_CHINESE, "gbk", "gb18030"),
        (SHORT_KOREAN, "cp949", "cp949"),
    ],
)
def test_legacy_encodings_are_detected_and_named(tmp_path, text, encoding, reported):
    write(tmp_path / "legacy/食谱/note.md", text.encode(encoding))
    write(tmp_path / "utf8/食谱/note.md", text.encode("utf-8"))
    [as_utf8], _ = read_warnings(tmp_path / "utf8")

    [doc], warned = read_warnings(tmp_path / "legacy")

    assert (doc.text, doc.title) == (as_utf8.text, text.splitlines()[0].lstrip("# "))
    assert text.splitlines()[2].strip("`") in doc.text
    [warning] = warned
    assert (warning.file, warning.reference, warning.reason) == ("食谱/note.md", "", "encoding")
    assert str(warning) == f"食谱/note.md: not valid UTF-8, decoded as {reported}"


@pytest.mark.parametrize("bad", [b"\xff", b"\xe7\xba", b"\x80"])  # stray, truncated, lone continuation
def test_one_bad_byte_in_utf8_costs_only_that_byte(tmp_path, bad):
    good = CHINESE.encode("utf-8")
    cut = good.index("冰糖".encode())
    write(tmp_path / "n.md", good[:cut] + bad + good[cut:])

    [doc], warned = read_warnings(tmp_path)

    assert doc.text == CHINESE.replace("冰糖", "\ufffd冰糖").strip()
    [warning] = warned
    assert (warning.file, warning.reason) == ("n.md", "encoding")
    assert str(warning) == f"n.md: {len(bad)} invalid byte(s) in UTF-8 text replaced with \ufffd"


def test_notes_that_cannot_be_read_are_warned_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setattr("indexer.sources.base.MAX_TEXT_BYTES", 2000)
    write(tmp_path / "big.md", "word " * 500)
    write(tmp_path / "binary.md", bytes(range(256)) * 4)
    os.symlink(tmp_path / "nowhere.md", tmp_path / "dangling.md")
    write(tmp_path / "empty.md", "   \n")
    write(tmp_path / "fine.md", "fine")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["fine.md"]
    assert sorted((w.file, w.reason) for w in warned) == [
        ("big.md", "too large"),
        ("binary.md", "unsupported type"),
        ("dangling.md", "missing"),
        ("empty.md", "empty"),
    ]
    assert "dangling.md: cannot be read (No such file or directory), skipped" in [str(w) for w in warned]


def test_every_image_reason_is_on_the_warning(tmp_path, monkeypatch):
    monkeypatch.setattr("mme_core.images.MAX_IMAGE_PIXELS", 100)
    png(tmp_path / "big.png", size=(20, 20))
    write(tmp_path / "empty.png", b"")
    write(tmp_path / "text.xyz", "not an image")
    write(
        tmp_path / "n.md",
        "t ![](https://x.org/a.png) ![](big.png) ![](empty.png) ![](text.xyz) ![](../out.png) ![](no.png)",
    )

    _, warned = read_warnings(tmp_path)

    assert [(w.reference, w.reason) for w in warned] == [
        ("https://x.org/a.png", "remote"),
        ("big.png", "too large"),
        ("empty.png", "unreadable"),
        ("text.xyz", "unsupported type"),
        ("../out.png", "outside the collection"),
        ("no.png", "missing"),
    ]
    assert all(w.file == "n.md" and str(w).startswith("n.md: ") for w in warned)
    assert str(warned[1]) == "n.md: image skipped, image too large (20×20): big.png (the limit is 100 pixels)"
    assert "BytesIO" not in str(warned[3]) and str(warned[3]).endswith(
        "text.xyz (cannot identify image file)"
    )


def test_collection_warning_keeps_its_fields_and_rejects_unknown_reasons():
    with pytest.warns(CollectionWarning) as caught:
        warn("a.md: something", file="a.md", reference="x.png", reason="missing")
    warning = caught[0].message
    assert (str(warning), warning.file, warning.reference, warning.reason) == (
        "a.md: something",
        "a.md",
        "x.png",
        "missing",
    )
    copy = pickle.loads(pickle.dumps(warning))
    assert (str(copy), copy.file, copy.reference, copy.reason) == (
        "a.md: something",
        "a.md",
        "x.png",
        "missing",
    )
    with pytest.raises(ValueError, match="unknown reason 'gone'; valid reasons are: missing, remote"):
        CollectionWarning("x", reason="gone")


def test_skipped_pictures_are_named_as_written_not_percent_encoded(tmp_path):
    """markdown-it percent-encodes link targets: a missing `なし.png` was reported as
    `%E3%81%AA%E3%81%97.png`; a person searches their note for what they wrote."""
    write(
        tmp_path / "ノート.md",
        "a ![x](写真/なし.png) b ![y](<my photo.png>) c ![z](100%25.png) ![w](ok%20it.png)",
    )
    png(tmp_path / "ok it.png")
    [doc], warned = read_warnings(tmp_path)
    assert shape(doc, tmp_path) == ["T:a b c", "I:ok it.png"]
    assert [(w.reason, w.reference) for w in warned] == [
        ("missing", "写真/なし.png"),
        ("missing", "my photo.png"),
        ("missing", "100%25.png"),
    ]
    assert str(warned[0]) == "ノート.md: image skipped, file not found: 写真/なし.png"


def test_terminal_colour_codes_are_removed_whole(tmp_path):
    # `git diff --color > diff.txt` as a note keeps it (kaityo256/zenn-content): "[0;34m" was left
    # among the words and in the title once the ESC alone was stripped.
    coloured = (
        "\x1b[1mdiff --git a/寿限無.txt\x1b[m\n"
        "\x1b[31m-五光の摺り切れ\x1b[m\n\x1b[32m+五光の擦り切れず\x1b[m\n"
    )
    write(tmp_path / "diff.txt", coloured)
    write(tmp_path / "shell.md", f"# 出力\n\n```\n{coloured}```\n")

    docs, warned = read_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert by_id["diff.txt"].title == "diff --git a/寿限無.txt"
    assert by_id["diff.txt"].text == "diff --git a/寿限無.txt\n-五光の摺り切れ\n+五光の擦り切れず"
    assert by_id["shell.md"].text == "# 出力\n\ndiff --git a/寿限無.txt\n-五光の摺り切れ\n+五光の擦り切れず"
    assert sorted(str(w) for w in warned) == [
        "diff.txt: removed 6 control character(s)",
        "shell.md: removed 6 control character(s)",
    ]
