"""Zenn articles (a `zenn-content` repository: `articles/*.md`, pictures in `images/`) read as Zenn
shows them: its boxes without their markers, its embeds (cards, players) not as words."""

from __future__ import annotations

from source_helpers import png, read_warnings, shape, write

ARTICLE = """\
---
title: "WSLからショートカットを作る"
emoji: "🤖"
type: "tech" # tech: 技術記事 / idea: アイデア
topics: ["wsl", "zsh"]
published: true
---

## はじめに

講義ノートを公開しています。

@[card](https://github.com/kaityo256/python_zero)

@[tweet](https://twitter.com/kaityo256/status/1729865255495581824)

@[youtube](dQw4w9WgXcQ)

  @[blueprintue](https://blueprintue.com/render/sample-id/)

:::message alert
`Bypass`にすると、全てのスクリプトが実行できてしまう。
:::

:::message
補足です。
:::

:::details 出力を見る
![出力](/images/wsl/out.png =250x)
:::

注は番号だけが見える[^1]。

[^1]: Zennは行頭の埋め込みだけを展開する。

```md
@[card](https://zenn.dev)
:::message alert
```
"""


def test_a_zenn_article_reads_as_the_published_page(tmp_path):
    png(tmp_path / "images/wsl/out.png", size=(320, 240))
    write(tmp_path / "articles/wsl-shortcut.md", ARTICLE)

    [doc], warned = read_warnings(tmp_path)

    assert doc.title == "WSLからショートカットを作る"
    assert shape(doc, tmp_path) == [
        "T:## はじめに\n\n講義ノートを公開しています。\n\n"
        "Bypassにすると、全てのスクリプトが実行できてしまう。\n\n補足です。\n\n出力を見る",
        "I:images/wsl/out.png",
        "T:注は番号だけが見える。\n\nZennは行頭の埋め込みだけを展開する。\n\n"
        "@[card](https://zenn.dev)\n:::message alert",
    ]
    assert doc.meta["properties"] == {"emoji": "🤖", "type": "tech", "published": True}
    assert doc.meta["tags"] == ["wsl", "zsh"]  # Zenn's topics
    assert warned == []


def test_a_qiita_note_box_reads_without_its_colour_and_a_docusaurus_note_keeps_its_title(tmp_path):
    write(
        tmp_path / "qiita.md",
        "# 手順\n\n:::note warn\n管理者権限が必要です。\n:::\n\n:::note info\n補足。\n:::\n\n"
        ":::note Before you start\nInstall Node.\n:::\n",
    )

    [doc], warned = read_warnings(tmp_path)

    assert doc.text == "# 手順\n\n管理者権限が必要です。\n\n補足。\n\nBefore you start\nInstall Node."
    assert warned == []
