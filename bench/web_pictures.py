"""Reading notes whose pictures live on an image host (`add --fetch-pictures`): time and requests.

    python -m bench.web_pictures [--notes 40] [--per-note 6] [--delay 0.15] [--kb 400]

This machine reaches no web server, so the host is simulated: a local HTTP server answers each
picture after `--delay` seconds (a far image host's round trip) with a `--kb` JPEG. Notes, each
showing `--per-note` pictures by URL, are read with `read_collection` four ways, side by side:
without downloading (today's default: every picture said "not fetched"), downloading one picture at a
time, downloading a note's pictures side by side (`remote.WORKERS`), and again with the pictures
downloaded by the run before (a changed note reads them from the picture store: no request).
Local addresses are allowed for the run (`remote.ALLOW_PRIVATE`), as in the tests.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

import indexer.sources.remote as remote
from indexer.sources import read_collection


def serve(delay: float, size_kb: int):
    """(server, base URL, requests served) of a slow image host on 127.0.0.1."""
    noise = Image.effect_noise((900, 700), 60).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=max(5, min(95, size_kb // 6)))
    body = out.getvalue()
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            served.append(self.path)
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body + self.path.encode())  # each URL its own bytes

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", served


def write_notes(folder: Path, url: str, notes: int, per_note: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(notes):
        links = "\n\n".join(f"Step {k + 1}.\n\n![]({url}/img/{n}-{k}.jpg)" for k in range(per_note))
        (folder / f"note-{n:03d}.md").write_text(f"# Note {n}\n\n{links}\n", encoding="utf-8")


def timed(folder: Path, remote_pictures) -> tuple[float, int, int]:
    """(seconds, pictures read, lines said) for one read of the folder."""
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = read_collection(folder, pictures=remote_pictures.folder if remote_pictures else None,
                               remote=remote_pictures)  # fmt: skip
    return time.perf_counter() - started, sum(len(d.images) for d in docs), len(caught)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=40)
    parser.add_argument("--per-note", type=int, default=6)
    parser.add_argument("--delay", type=float, default=0.15)
    parser.add_argument("--kb", type=int, default=400)
    args = parser.parse_args(argv)
    remote.ALLOW_PRIVATE = True
    server, url, served = serve(args.delay, args.kb)
    work = Path(tempfile.mkdtemp(prefix="web-pictures-"))
    write_notes(work / "notes", url, args.notes, args.per_note)
    print(f"{args.notes} notes x {args.per_note} pictures, {args.delay:.2f} s a request, ~{args.kb} KB each")
    print("| run | s | pictures read | said | requests |")
    print("|---|---:|---:|---:|---:|")
    workers = remote.WORKERS
    runs = [("not downloaded (default)", None, workers), ("downloaded one at a time", "one", 1)]
    runs += [
        (f"downloaded, a note's {workers} at a time", "side", workers),
        ("again, already downloaded", "side", workers),
    ]
    for label, store, count in runs:
        remote.WORKERS = count
        before = len(served)
        pictures = remote.RemotePictures(work / f"store-{store}") if store else None
        seconds, read, said = timed(work / "notes", pictures)
        print(f"| {label} | {seconds:.1f} | {read} | {said} | {len(served) - before} |", flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
