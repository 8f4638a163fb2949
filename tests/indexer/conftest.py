"""Index fixtures: a small Markdown collection with a distinct picture per note."""

from __future__ import annotations

from pathlib import Path

import pytest
from index_helpers import NOTES, write_note


@pytest.fixture
def notes(tmp_path) -> Path:
    """A folder of five Markdown notes, each with its own picture."""
    folder = tmp_path / "notes"
    for name, (color, shape, text) in NOTES.items():
        write_note(folder, name, color, shape, text)
    return folder
