"""A small generated how-to collection, for when the shipped demo collection is missing.

Used only as the last resort of the offline start-up (no --model, no demo/ folder): it lets the page
come up and search *something* with a tiny random-weight checkpoint, and the banner says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

COLOURS = {"red": "#dc2626", "blue": "#2563eb", "green": "#16a34a", "orange": "#ea580c", "purple": "#7c3aed"}
SHAPES = ("circle", "square", "triangle")
TASKS = (
    (
        "Fold a paper {colour} {shape}",
        ["Cut the {colour} paper.", "Fold it along the diagonal.", "Press the crease flat."],
    ),
    (
        "Paint a {colour} {shape} sign",
        ["Sketch the {shape} outline.", "Fill it with {colour} paint.", "Let it dry."],
    ),
    (
        "Sort the {colour} {shape} blocks",
        ["Gather every {shape}.", "Keep only the {colour} ones.", "Stack them."],
    ),
)


def draw_shape(path: Path, colour: str, shape: str, size: int = 160) -> Path:
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    box = (size // 5, size // 5, size * 4 // 5, size * 4 // 5)
    fill = COLOURS[colour]
    if shape == "circle":
        draw.ellipse(box, fill=fill)
    elif shape == "square":
        draw.rectangle(box, fill=fill)
    else:
        draw.polygon([(size // 2, box[1]), (box[2], box[3]), (box[0], box[3])], fill=fill)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def write_fallback_collection(root: Path) -> Path:
    """Markdown notes with drawn images under root/ (idempotent); returns root."""
    marker = root / ".complete"
    if marker.is_file():
        return root
    root.mkdir(parents=True, exist_ok=True)
    for colour in COLOURS:
        for shape in SHAPES:
            image = draw_shape(root / "images" / f"{colour}_{shape}.png", colour, shape)
            for task_index, (title, steps) in enumerate(TASKS):
                words = {"colour": colour, "shape": shape}
                lines = [f"# {title.format(**words)}", ""]
                for number, step in enumerate(steps, 1):
                    lines.append(f"{number}. {step.format(**words)}")
                    if number == 2:
                        lines += ["", f"![{colour} {shape}](images/{image.name})", ""]
                (root / f"{colour}-{shape}-{task_index}.md").write_text(
                    "\n".join(lines) + "\n", encoding="utf-8"
                )
    examples = [
        {
            "label": "red circle + text",
            "items": [{"text": "How do I fold this?"}, {"image": "images/red_circle.png"}],
        },
        {
            "label": "two pictures between text",
            "items": [
                {"text": "I painted this"},
                {"image": "images/blue_square.png"},
                {"text": "but it should look like"},
                {"image": "images/green_triangle.png"},
            ],
        },
        {"label": "text only", "items": [{"text": "sort the orange blocks"}]},
    ]
    (root / "examples.json").write_text(json.dumps(examples, indent=1), encoding="utf-8")
    marker.touch()
    return root
