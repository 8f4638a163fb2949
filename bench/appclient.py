"""Drive a real `python app.py` from outside: start it on 127.0.0.1 in a subprocess, call its events.

`running_app(...)` starts the app with a model from the environment and flags for the rest, waits
until the page answers and stops it afterwards (its own process only). `QueueCaller` speaks the
Gradio queue protocol the browser speaks (POST /queue/join, then the /queue/data event stream), so
page events that gradio_client refuses to call (they are private to the page) can still be driven
the way a browser, or an attacker with curl, drives them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(model_dir, collection, work: Path, roots=(), timeout_s: float = 240, extra_env=None):
    """Yield the URL of `python app.py` serving `collection` (indexed on first start) on loopback."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "MME_MODEL": str(model_dir),
        **(extra_env or {}),
    }
    command = [
        sys.executable, "app.py",
        "--collection", str(collection),
        "--index", str(work / "index"),
        "--data-dir", str(work / "data"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--device", "cpu",
    ]  # fmt: skip
    for root in roots:
        command += ["--collections-root", str(root)]
    log_path = work / "app.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"app.py exited with {process.returncode}:\n{log_path.read_text()}")
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"app.py did not answer within {timeout_s} s:\n{log_path.read_text()}")
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass(frozen=True)
class Event:
    """One page event as the browser knows it from /config."""

    fn_index: int
    api_name: str
    trigger_id: int | None
    inputs: tuple[int, ...]
    visibility: str


@dataclass(frozen=True)
class Outcome:
    success: bool
    data: list | None
    error: str | None
    seconds: float


class QueueCaller:
    """Call any event of a running Gradio app through its queue, as the page itself does."""

    def __init__(self, url: str, timeout_s: float = 300) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.config = httpx.get(f"{self.url}/config", timeout=30).json()
        self.api = f"{self.url}{self.config.get('api_prefix', '/gradio_api')}"
        self.components = {c["id"]: c for c in self.config["components"]}

    def events(self) -> list[Event]:
        found = []
        for dep in self.config["dependencies"]:
            targets = dep.get("targets") or []
            trigger = targets[0][0] if targets and targets[0][0] is not None else None
            found.append(
                Event(
                    dep["id"],
                    dep.get("api_name") or "",
                    trigger,
                    tuple(dep["inputs"]),
                    dep.get("api_visibility", "public"),
                )
            )
        return found

    def event(self, api_name: str) -> Event:
        for event in self.events():
            if event.api_name == api_name:
                return event
        raise ValueError(f"no event {api_name!r}; events: {[e.api_name for e in self.events()]}")

    def input_types(self, event: Event) -> list[str]:
        return [self.components[i]["type"] for i in event.inputs]

    def call(self, event: Event, data: list, event_data=None) -> Outcome:
        """Join the queue and wait for the result; never raises for an app-side error."""
        session = uuid.uuid4().hex[:12]
        started = time.perf_counter()
        body = {
            "data": data,
            "event_data": event_data,
            "fn_index": event.fn_index,
            "trigger_id": event.trigger_id,
            "session_hash": session,
        }
        # json.dumps escapes non-ASCII, so even lone surrogates (which httpx's json= cannot encode)
        # reach the server as a browser's JSON.stringify would send them.
        payload = json.dumps(body).encode()
        joined = httpx.post(
            f"{self.api}/queue/join",
            content=payload,
            headers={"content-type": "application/json"},
            timeout=60,
        )
        if joined.status_code != 200:
            return Outcome(False, None, f"HTTP {joined.status_code}: {joined.text[:300]}", 0.0)
        with httpx.stream(
            "GET", f"{self.api}/queue/data", params={"session_hash": session}, timeout=self.timeout_s
        ) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    output = message.get("output") or {}
                    seconds = time.perf_counter() - started
                    if message.get("success"):
                        return Outcome(True, output.get("data"), None, seconds)
                    return Outcome(False, None, str(output.get("error")), seconds)
                if message.get("msg") == "close_stream":
                    break
        return Outcome(False, None, "the event stream closed without a result", time.perf_counter() - started)

    def component_server(self, component_id: int, fn_name: str, data) -> httpx.Response:
        """A gr.HTML server function, as the page's JS calls it (`server.<fn_name>(data)`)."""
        body = {"session_hash": uuid.uuid4().hex[:12], "component_id": component_id, "fn_name": fn_name}
        return httpx.post(f"{self.api}/component_server", json=body | {"data": data}, timeout=60)

    def server_functions(self) -> list[tuple[int, str]]:
        """(component id, function name) of every server function the page exposes."""
        return [
            (cid, name)
            for cid, component in self.components.items()
            for name in component.get("props", {}).get("server_fns", []) or []
        ]
