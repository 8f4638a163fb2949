"""Pictures notes show from the web (an image host's URLs), downloaded when asked: read in their
place, each failure said with its reason, never a private address, never downloaded twice."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from source_helpers import write

import indexer.sources.remote as remote
from indexer import Searcher, build_index
from indexer.sources import read_collection
from indexer.store import Index
from mme_core import EncodeStats, ImageSegment


def _picture(color: str, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 80), color).save(out, kind)
    return out.getvalue()


ROUTES = {  # path -> (status, content type, body)
    "/img/rack.png": (200, "image/png", _picture("red")),
    "/img/bolt.jpg": (200, "application/octet-stream", _picture("blue", "JPEG")),  # typed by its suffix
    "/img/page.png": (200, "text/html", b"<html>login to see this picture</html>"),
    "/img/huge.png": (200, "image/png", _picture("green") + b"\0" * 5000),
}


@pytest.fixture
def host(monkeypatch):
    """An image host on 127.0.0.1 (allowed for tests only); counts the requests it serves."""
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            served.append(self.path)
            if self.path == "/short/rack":
                self.send_response(302)
                self.send_header("Location", "/img/rack.png")
                self.end_headers()
                return
            status, kind, body = ROUTES.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(remote, "ALLOW_PRIVATE", True)
    monkeypatch.setattr(remote, "MAX_BYTES", 4000)
    yield f"http://127.0.0.1:{server.server_port}", served
    server.shutdown()


def _note(host_url: str) -> str:
    return (
        "# Server rack\n\nMount the rails.\n\n"
        f"![rack]({host_url}/img/rack.png)\n\nThen the bolts:\n\n![]({host_url}/img/bolt.jpg)\n\n"
        f"![]({host_url}/short/rack) ![]({host_url}/img/gone.png) ![]({host_url}/img/page.png) "
        f"![]({host_url}/img/huge.png)\n"
    )


def test_web_pictures_are_downloaded_in_place_and_each_failure_is_said(host, tmp_path):
    url, served = host
    write(tmp_path / "notes/rack.md", _note(url))
    store = tmp_path / "pictures"

    with pytest.warns() as caught:
        (doc,) = read_collection(tmp_path / "notes", pictures=store, remote=remote.RemotePictures(store))

    kinds = [type(s).__name__ for s in doc.segments]
    assert kinds == ["TextSegment", "ImageSegment", "TextSegment", "ImageSegment", "ImageSegment"]
    rack, bolt, redirected = (Image.open(s.path).getpixel((5, 5)) for s in doc.images)
    assert rack == (255, 0, 0) and bolt[2] > 200 and redirected == rack  # the redirect's target
    assert all(str(store) in s.path for s in doc.images)
    said = sorted(str(w.message) for w in caught)
    assert said == sorted(
        [
            f"rack.md: image URL could not be downloaded (larger than 0 MB), skipped: {url}/img/huge.png",
            f"rack.md: image URL could not be downloaded (the server answered 404 Not Found), skipped: "
            f"{url}/img/gone.png",
            f"rack.md: image URL could not be downloaded (the server sent text/html, not a picture), "
            f"skipped: {url}/img/page.png",
        ]
    )
    assert doc.images[2].path == doc.images[0].path  # the redirect's picture: the same bytes, stored once


def test_a_private_or_local_address_is_refused(tmp_path, host, monkeypatch):
    url, served = host
    monkeypatch.setattr(remote, "ALLOW_PRIVATE", False)
    write(tmp_path / "notes/rack.md", f"# Rack\n\n![]({url}/img/rack.png)\n")

    with pytest.warns() as caught:
        (doc,) = read_collection(tmp_path / "notes", remote=remote.RemotePictures(tmp_path / "pictures"))

    assert list(doc.images) == [] and served == []  # refused before a byte was sent
    (message,) = [str(w.message) for w in caught]
    assert "refused: it points to a private or local address (127.0.0.1)" in message
    assert message.endswith(f"skipped: {url}/img/rack.png")


def test_without_being_asked_nothing_is_downloaded(tmp_path, host):
    url, served = host
    write(tmp_path / "notes/rack.md", f"# Rack\n\n![]({url}/img/rack.png)\n")
    with pytest.warns() as caught:
        (doc,) = read_collection(tmp_path / "notes")
    assert list(doc.images) == [] and served == []
    expected = f"rack.md: image URL not fetched, skipped: {url}/img/rack.png"
    assert [str(w.message) for w in caught] == [expected]


def test_the_collection_keeps_the_choice_and_nothing_is_downloaded_twice(tiny_dsvl, tmp_path, host):
    url, served = host
    notes = tmp_path / "notes"
    write(notes / "rack.md", f"# Server rack\n\nMount the rails.\n\n![]({url}/img/rack.png)\n")
    write(notes / "bolts.md", f"# Bolts\n\nM6 cage nuts.\n\n![]({url}/img/bolt.jpg)\n")
    index = tmp_path / "index"

    build_index(notes, index, tiny_dsvl, ns=(1,), progress=False, fetch_pictures=True)
    assert sorted(served) == ["/img/bolt.jpg", "/img/rack.png"]
    assert Index.open(index).meta.collections["notes"]["fetch_pictures"] is True
    docs = {doc.id: doc for doc in Index.open(index).documents()}
    assert len(docs["notes/rack.md"].images) == 1

    write(notes / "rack.md", f"# Server rack\n\nMount the rails first.\n\n![]({url}/img/rack.png)\n")
    tiny_dsvl.stats = EncodeStats()
    report = build_index(notes, index, tiny_dsvl, progress=False)  # no flag: the collection's choice
    assert report.updated == 1 and len(served) == 2  # the edited note's picture: from the store
    assert tiny_dsvl.stats.vision_calls == 0  # and from the vision cache
    hits = Searcher.open(index, tiny_dsvl).search(
        picture_query(docs["notes/rack.md"].images[0].path), n=1, k=1, mode="semantic"
    )
    assert hits[0].id == "notes/rack.md"

    report = build_index(notes, index, tiny_dsvl, progress=False, fetch_pictures=False)
    assert report.updated == 2 and "fetch_pictures" not in Index.open(index).meta.collections["notes"]
    assert all(list(doc.images) == [] for doc in Index.open(index).documents())
    assert {item.reason for item in report.skipped} == {"remote"}


def picture_query(path: str):
    from mme_core import InterleavedDoc

    return InterleavedDoc((ImageSegment(path),))
