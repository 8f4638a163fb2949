"""The Collection tab's "Download the pictures notes link on the web" box: ticked, the collection
downloads its web pictures from now on; unticked, it keeps its choice; a shared server refuses it."""

from __future__ import annotations

import socket
from html import unescape

import indexer.sources.remote as remote
from webapp.handlers import Handlers
from webapp.media import MediaRegistry
from webapp.service import SearchService

NS = (1,)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _handlers(tmp_path, tiny_dsvl, upload_root, roots) -> Handlers:
    from indexer import Searcher, build_index

    uri = str(tmp_path / "index")
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "seed.md").write_text("# Seed\n\nA first note.\n")
    build_index(str(seed), uri, tiny_dsvl, ns=NS, progress=False)
    service = SearchService(
        Searcher.open(uri, tiny_dsvl),
        tiny_dsvl,
        media=MediaRegistry(upload_root),
        index_uri=uri,
        open_searcher=Searcher.open,
        build_index=build_index,
        collections_roots=roots,
        uploads_dir=tmp_path / "data" / "uploads",
    )
    return Handlers(service)


def test_ticked_the_collection_downloads_and_unticked_it_keeps_its_choice(
    tmp_path, tiny_dsvl, upload_root, monkeypatch
):
    monkeypatch.setattr(remote, "ALLOW_PRIVATE", True)  # the "host" is a closed port on this machine
    url = f"http://127.0.0.1:{_closed_port()}/img/rack.png"
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "rack.md").write_text(f"# Rack\n\nMount it.\n\n![]({url})\n")
    handlers = _handlers(tmp_path, tiny_dsvl, upload_root, (tmp_path,))

    _, skipped, *_ = handlers.index_folder(str(vault), "vault", None, None, True)

    (row,) = skipped["value"]
    assert row[3] == "remote" and "could not be downloaded" in row[4] and row[4].endswith(url)
    assert handlers.service.searcher.index.meta.collections["vault"]["fetch_pictures"] is True
    (vault / "rack.md").write_text(f"# Rack\n\nMount it level.\n\n![]({url})\n")
    _, skipped, *_ = handlers.index_folder(str(vault), "vault", None, None, False)  # box left unticked
    assert "could not be downloaded" in skipped["value"][0][4]  # still tried: the collection's choice
    assert handlers.service.searcher.index.meta.collections["vault"]["fetch_pictures"] is True


def test_a_shared_server_downloads_nothing_and_a_bad_value_is_refused(tmp_path, tiny_dsvl, upload_root):
    handlers = _handlers(tmp_path, tiny_dsvl, upload_root, ())  # a Space: no folders of its own
    notes = tmp_path / "up.md"
    notes.write_text("# Up\n\n![](https://example.com/a.png)\n")
    status, *_ = handlers.index_upload([str(notes)], "up", None, None, True)
    assert "downloads no pictures from the web" in unescape(status)
    status, *_ = handlers.index_upload([str(notes)], "up", None, None, "yes")
    assert "the box &#x27;Download the pictures notes link on the web&#x27; is ticked or not" in status
