"""Pictures a note shows from the web, downloaded when the person asks (`add --fetch-pictures`).

Many people keep a note's pictures on an image host: Typora and Obsidian users upload every pasted
screenshot through PicGo to their own host, a GitHub raw URL or a CDN, and the note holds only the
URL (a real Chinese Obsidian vault here links 519 pictures that way and keeps 64 beside its notes).
Without the pictures such a vault is read as text alone. So, asked to, the reader downloads them
into the picture store (`embedded.py`), where they are checked, cached and read as any picture a
note holds; a note whose links are unchanged is not read, so nothing is downloaded again.

Downloading on a person's behalf must not reach what the web should not: only http(s), only public
addresses (the address actually connected to is checked, for every redirect too, so a name that
resolves to 127.0.0.1, a LAN printer or a cloud metadata service is refused), at most MAX_BYTES,
within TIMEOUT seconds, and only pictures (by the served type, or the URL's suffix when the server
says nothing useful). A note's pictures download side by side (`prefetch`). Each failure is said
with its reason by the resolver, as "remote".
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import mimetypes
import os
import socket
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from indexer.sources.embedded import PICTURE_TYPES, pictures_dir, store_picture

MAX_BYTES = 30_000_000  # a phone photo is 3-12 MB; more is not a picture a note shows
TIMEOUT = 20.0  # seconds per request
MAX_REDIRECTS = 5
WORKERS = 6  # a note's pictures downloaded at once
USER_AGENT = "mme-indexer (downloads the pictures of the owner's notes)"
ALLOW_PRIVATE = False  # tests serve their pictures on 127.0.0.1 and set this
DOWNLOADED = "downloaded.json"  # in the picture store: url -> [mime, file name], kept across runs


class RemotePictures:
    """Downloads pictures by URL into `folder` (None: the user's picture cache); each URL once a run."""

    def __init__(self, folder: Path | None = None, *, offline: bool = False) -> None:
        self.folder = folder or pictures_dir()
        self.offline = offline  # only what earlier runs downloaded (a search re-reading a note)
        self._got: dict[str, tuple[str, str] | str] = {}  # url -> (mime, stored file) or the problem
        self._known = self._load()  # url -> (mime, stored file) of earlier runs
        self._opener = _opener(ALLOW_PRIVATE)

    def prefetch(self, urls: list[str]) -> None:
        """Download the web pictures among `urls` (a note's links) side by side."""
        wanted = list(dict.fromkeys(u for u in urls if _is_web(u) and u not in self._got))
        if len(wanted) > 1:
            with ThreadPoolExecutor(min(WORKERS, len(wanted))) as pool:
                for url, got in zip(wanted, pool.map(self._download, wanted), strict=True):
                    self._got[url] = got
            self._record(wanted)

    def fetch(self, url: str) -> tuple[str, str] | str:
        """(mime type, stored file) of the picture at `url`, or why it could not be had."""
        if url not in self._got:
            self._got[url] = self._download(url)
            self._record([url])
        return self._got[url]

    def _download(self, url: str) -> tuple[str, str] | str:
        known = self._known.get(url)
        if known is not None and Path(known[1]).is_file():  # downloaded by an earlier run
            return known
        if self.offline:
            return "not downloaded when the collection was indexed"
        return self._get(url)

    def _record(self, urls: list[str]) -> None:
        """Remember these URLs' new downloads for later runs: the map written once per note."""
        new = {
            u: self._got[u]
            for u in urls
            if not isinstance(self._got[u], str) and self._known.get(u) != self._got[u]
        }
        if not new:
            return
        self._known |= new
        try:
            self._save()
        except OSError:  # the pictures are stored; only the next run's shortcut to them is lost
            pass

    def _load(self) -> dict[str, tuple[str, str]]:
        try:
            entries = json.loads((self.folder / DOWNLOADED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {url: (mime, str(self.folder / name)) for url, (mime, name) in entries.items()}

    def _save(self) -> None:
        """Written whole and atomically (another process's entries since our load may be lost:
        those pictures are then downloaded again, never lost)."""
        entries = {
            url: [mime, os.path.relpath(path, self.folder)] for url, (mime, path) in self._known.items()
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".partial-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out, ensure_ascii=False)
        os.replace(temp, self.folder / DOWNLOADED)

    def _get(self, url: str) -> tuple[str, str] | str:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
        try:
            with self._opener.open(request, timeout=TIMEOUT) as response:
                mime = _picture_type(response.headers.get_content_type(), url)
                if mime is None:
                    return f"the server sent {response.headers.get_content_type()}, not a picture"
                data = response.read(MAX_BYTES + 1)
        except HTTPError as err:
            return f"the server answered {err.code} {err.reason}"
        except (URLError, OSError, http.client.HTTPException, ValueError) as err:
            reason = getattr(err, "reason", None) or err
            return str(reason).strip() or type(err).__name__
        if len(data) > MAX_BYTES:
            return f"larger than {MAX_BYTES // 1_000_000} MB"
        if not data:
            return "the server sent nothing"
        return mime, store_picture(data, PICTURE_TYPES[mime], self.folder)


def _is_web(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


def _picture_type(served: str, url: str) -> str | None:
    """The picture type to store it as: the served one, else the URL's suffix's (servers often say
    application/octet-stream); None when neither is a picture type we read."""
    if served in PICTURE_TYPES:
        return served
    guessed = mimetypes.guess_type(urlsplit(url).path)[0]
    return guessed if guessed in PICTURE_TYPES and not served.startswith("text/") else None


def _check_address(sock: socket.socket, allow_private: bool) -> None:
    address = ipaddress.ip_address(sock.getpeername()[0])
    if not allow_private and not address.is_global:
        sock.close()
        raise OSError(f"refused: it points to a private or local address ({address})")


def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """http(s) only, redirects followed up to MAX_REDIRECTS, every connection's peer checked."""

    def connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):  # noqa: SLF001
        sock = socket.create_connection(address, timeout, source_address)
        _check_address(sock, allow_private)  # the address connected to, before a byte is sent
        return sock

    class Http(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class Https(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class HttpHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Http, req)

    class HttpsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(Https, req, context=self._context)

    redirects = urllib.request.HTTPRedirectHandler()
    redirects.max_redirections = MAX_REDIRECTS
    opener = urllib.request.OpenerDirector()
    for handler in (HttpHandler(), HttpsHandler(), redirects, urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    opener.add_handler(urllib.request.HTTPErrorProcessor())
    return opener
