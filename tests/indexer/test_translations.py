"""A page kept in several languages comes back once, in the query's language, naming the others."""

from __future__ import annotations

import pytest
from source_helpers import write

from indexer import Searcher, build_index
from indexer.__main__ import main
from mme_core.documents import InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 4}
PAGES = {  # page -> (English, Chinese, Japanese); the translations keep English words, as real ones do
    "install": (
        "---\naliases: [安装服务器]\n---\n# Install the server\n\nInstall the server with docker compose.\n",
        "# 安装\n\n用 docker compose 安装服务器 (install the server)。服务器需要 docker。\n",
        "# サーバーのインストール\n\ndocker compose でサーバーをインストールします (install the server)。\n",
    ),
    "upgrade": (
        "# Upgrade the server\n\nUpgrade the server: pull the new docker images, then restart.\n",
        "# 升级服务器\n\n升级服务器：拉取新的 docker 镜像 (upgrade the server)，然后重启。\n",
        "# サーバーのアップグレード\n\n新しい docker イメージを取得して再起動します (upgrade the server)。\n",
    ),
    "backup": (
        "# Back up the server\n\nBack up the server's docker volumes (a zfs snapshot) before you upgrade.\n",
        "# 备份服务器\n\n升级前备份服务器的 docker 卷 (back up the server)。\n",
        "# サーバーのバックアップ\n\nアップグレード前に docker ボリュームをバックアップします。\n",
    ),
    "logs": (
        "# Read the logs\n\nThe server writes its logs with docker logs.\n",
        "# 查看日志\n\n服务器的日志用 docker logs 查看。安装 安装 安装服务器 的日志。\n",
        "# ログを読む\n\nサーバーのログは docker logs で読みます。\n",
    ),
}


def text(words: str) -> InterleavedDoc:
    return InterleavedDoc((TextSegment(words),))


@pytest.fixture
def site(tmp_path, tiny_dsvl):
    root = tmp_path / "site"
    for page, versions in PAGES.items():
        for language, words in zip(("en", "zh", "ja"), versions, strict=True):
            write(root / language / f"{page}.md", words)
    write(root / "notes/server.md", "# Install the server\n\nMy own note on how I install the server.\n")
    write(root / "notes/server-again.md", "# Install the server\n\nAnother note: install the server.\n")
    build_index(root, tmp_path / "idx", tiny_dsvl, name="docs", ns=(1,), **FAST)
    return Searcher.open(tmp_path / "idx", tiny_dsvl)


def pages(hits) -> list[tuple[str, str]]:
    return [(h.id.split("/")[-1], h.doc.meta.get("language", "")) for h in hits]


def test_an_english_query_gets_each_page_once_in_english_and_k_pages(site):
    every = site.search(text("upgrade the server docker"), k=6, mode="keyword", translations=False)
    assert len({h.id.split("/")[-1] for h in every}) < 6  # before: versions of one page crowd in

    hits = site.search(text("upgrade the server docker"), k=6, mode="keyword")

    assert len(hits) == 6 and [h.rank for h in hits] == [1, 2, 3, 4, 5, 6]
    assert len({h.doc.meta.get("translation") or h.id for h in hits}) == 6  # six distinct pages
    assert hits[0].id == "docs/en/upgrade.md"
    site_pages = [h for h in hits if h.doc.meta.get("translation")]
    assert all(h.doc.meta["language"] == "en" for h in site_pages)
    assert dict(hits[0].translations) == {"ja": "docs/ja/upgrade.md", "zh": "docs/zh/upgrade.md"}


def test_a_chinese_query_gets_the_chinese_version_even_where_the_english_ranks_first(site):
    plain = site.search(text("安装服务器"), k=12, mode="keyword", translations=False)
    assert plain[0].id == "docs/en/install.md"  # named so by its alias: first in the ranking alone

    hits = site.search(text("安装服务器"), k=3, mode="keyword")
    chosen = {h.doc.meta.get("translation"): h.id for h in hits}

    assert chosen["install"] == "docs/zh/install.md"
    assert site.search(text("サーバーのインストール"), k=1, mode="keyword")[0].id == "docs/ja/install.md"


def test_a_version_that_did_not_rank_is_shown_when_it_is_the_one_asked_for(site):
    hits = site.search(text("zfs"), k=1, mode="keyword")  # only the English backup page says it
    others = (("ja", "docs/ja/backup.md"), ("zh", "docs/zh/backup.md"))
    assert (hits[0].id, hits[0].translations) == ("docs/en/backup.md", others)

    assert [h.id for h in site.search(text("zfs"), k=3, mode="keyword", translations=False)] == [hits[0].id]
    asked = site.search(text("zfs"), k=1, mode="keyword", language="zh")

    assert asked[0].id == "docs/zh/backup.md" and asked[0].score == hits[0].score
    assert dict(asked[0].translations) == {"en": "docs/en/backup.md", "ja": "docs/ja/backup.md"}


def test_notes_without_a_key_are_never_collapsed_and_filters_still_hold(site):
    hits = site.search(text("install the server"), k=10, mode="keyword")
    ids = [h.id for h in hits]

    assert "docs/notes/server.md" in ids and "docs/notes/server-again.md" in ids  # same title, both
    assert all(not h.translations for h in hits if h.id.startswith("docs/notes/"))
    only_ja = site.search(text("install the server"), k=10, mode="keyword", folders=("ja",))
    assert [h.id for h in only_ja if h.id.endswith("install.md")] == ["docs/ja/install.md"]
    assert all(not h.doc.meta.get("translation") or h.id.startswith("docs/ja/") for h in only_ja)
    assert all(h.translations == () for h in only_ja)  # the other versions are outside the folder


def test_an_unknown_language_is_refused_by_name(site, tmp_path, capsys, monkeypatch):
    with pytest.raises(ValueError, match="unknown language 'klingon'"):
        site.search(text("install"), k=3, mode="keyword", language="klingon")

    monkeypatch.setenv("MME_INDEX", str(tmp_path / "idx"))
    with pytest.raises(SystemExit) as refused:  # a usage error: argparse's exit 2, before any search
        main(["search", "--text", "install the server", "--mode", "keyword", "--language", "klingon"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "unknown language 'klingon'" in err and "Traceback" not in err

    code = main(["search", "--text", "install the server", "--mode", "keyword", "-k", "3"])
    out = capsys.readouterr().out
    assert code == 0 and "also in: 日本語 (ja), 中文 (zh)" in out
    code = main(["search", "--text", "install the server", "--mode", "keyword", "--all-translations"])
    assert code == 0 and "also in" not in capsys.readouterr().out
