"""Static pieces of the page (JS, CSS, HTML templates, example queries) kept in ui_assets/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "ui_assets"


@cache
def asset(name: str) -> str:
    path = ASSETS_DIR / name
    if not path.is_file():
        raise ValueError(f"missing UI asset {name!r} in {ASSETS_DIR}")
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class ExampleQuery:
    """A ready-made query: `items` are ("text", str) or ("image", absolute path) pairs, in order."""

    label: str
    items: tuple[tuple[str, str], ...]


def load_examples(path: str | Path) -> tuple[ExampleQuery, ...]:
    """Read an examples file: [{"label": ..., "items": [{"text": ...} | {"image": "relative/path.png"}]}]."""
    path = Path(path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot read example queries from {path}: {err}") from err
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of example queries")
    examples = []
    for position, entry in enumerate(entries):
        items = []
        for item in entry.get("items", []) if isinstance(entry, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                items.append(("text", item["text"]))
            elif isinstance(item, dict) and isinstance(item.get("image"), str):
                items.append(("image", str((path.parent / item["image"]).resolve())))
            else:
                raise ValueError(f"{path}: example {position + 1} has an item that is neither text nor image")
        if not items:
            raise ValueError(f"{path}: example {position + 1} has no items")
        examples.append(ExampleQuery(str(entry.get("label") or f"Example {position + 1}"), tuple(items)))
    return tuple(examples)
