"""Procedural step pictures: a row of coloured objects and the tool in use.

A document's picture is the *canonical* rendering of its `ImageSpec` (identical specs share one
file). A query's picture is a *fresh* rendering of the same spec with jitter (offset, size,
background, colour noise): the same content in different pixels, like a person's own photo of the
step, so nothing can match a query to a document by identical bytes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from mme_data.synthetic.vocabulary import COLOURS, COUNTS, PLACES, SHAPES, TOOLS

CANVAS_BACKGROUND = (248, 248, 248)
TOOL_GREY = (70, 70, 70)
ROW_Y = {"top": 0.19, "middle": 0.45, "bottom": 0.72}  # row centre as a fraction of the height


@dataclass(frozen=True)
class ImageSpec:
    """What a step picture shows; two pictures with equal specs show the same thing."""

    colour: str
    shape: str
    count: int
    place: str
    tool: str

    def __post_init__(self) -> None:
        for name, value, valid in (
            ("colour", self.colour, tuple(COLOURS)),
            ("shape", self.shape, SHAPES),
            ("count", self.count, COUNTS),
            ("place", self.place, PLACES),
            ("tool", self.tool, TOOLS),
        ):
            if value not in valid:
                raise ValueError(f"unknown {name} {value!r}; valid choices are {', '.join(map(str, valid))}")

    @property
    def key(self) -> str:
        """A file-name-safe identity, e.g. 'red-star-2-top-brush'."""
        return f"{self.colour}-{self.shape}-{self.count}-{self.place}-{self.tool}"

    @classmethod
    def from_key(cls, key: str) -> ImageSpec:
        parts = key.split("-")
        if len(parts) != 5 or not parts[2].isdigit():
            raise ValueError(f"not an image spec key: {key!r} (expected colour-shape-count-place-tool)")
        return cls(parts[0], parts[1], int(parts[2]), parts[3], parts[4])


def random_spec(rng: random.Random) -> ImageSpec:
    return ImageSpec(
        rng.choice(tuple(COLOURS)),
        rng.choice(SHAPES),
        rng.choice(COUNTS),
        rng.choice(PLACES),
        rng.choice(TOOLS),
    )


def render(spec: ImageSpec, size: int = 64, jitter: random.Random | None = None) -> Image.Image:
    """Draw `spec` on a size x size RGB canvas; `jitter` (an RNG) makes a fresh, perturbed rendering."""
    if size < 32:
        raise ValueError(f"image size must be at least 32 px, got {size}")
    background, colour, dx, dy, scale = CANVAS_BACKGROUND, COLOURS[spec.colour], 0.0, 0.0, 1.0
    if jitter is not None:
        background = tuple(jitter.randint(225, 255) for _ in range(3))
        colour = tuple(min(255, max(0, c + jitter.randint(-18, 18))) for c in colour)
        dx, dy = jitter.uniform(-0.05, 0.05) * size, jitter.uniform(-0.04, 0.04) * size
        scale = jitter.uniform(0.85, 1.12)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    radius = 0.11 * size * scale
    spacing = 0.25 * size
    centre_x, centre_y = 0.37 * size + dx, ROW_Y[spec.place] * size + dy
    for index in range(spec.count):
        x = centre_x + (index - (spec.count - 1) / 2) * spacing
        draw_shape(draw, spec.shape, x, centre_y, radius, colour)
    if spec.tool != "none":
        draw_tool(draw, spec.tool, 0.86 * size, 0.82 * size, 0.10 * size)
    return image


def draw_shape(draw: ImageDraw.ImageDraw, shape: str, x: float, y: float, r: float, fill) -> None:
    if shape == "circle":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    elif shape == "square":
        draw.rectangle((x - r * 0.9, y - r * 0.9, x + r * 0.9, y + r * 0.9), fill=fill)
    elif shape == "triangle":
        draw.polygon([(x, y - r), (x + r, y + r * 0.85), (x - r, y + r * 0.85)], fill=fill)
    elif shape == "diamond":
        draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=fill)
    elif shape == "star":
        points = []
        for k in range(10):
            angle = -math.pi / 2 + k * math.pi / 5
            reach = r if k % 2 == 0 else r * 0.45
            points.append((x + reach * math.cos(angle), y + reach * math.sin(angle)))
        draw.polygon(points, fill=fill)
    elif shape == "cross":
        w = r * 0.38
        draw.rectangle((x - r, y - w, x + r, y + w), fill=fill)
        draw.rectangle((x - w, y - r, x + w, y + r), fill=fill)
    else:
        raise ValueError(f"unknown shape {shape!r}; valid choices are {', '.join(SHAPES)}")


def draw_tool(draw: ImageDraw.ImageDraw, tool: str, x: float, y: float, r: float) -> None:
    """Small dark glyphs in the lower-right corner; they differ in outline, not in colour."""
    width = max(1, round(r / 4))
    if tool == "hammer":
        draw.line((x - r, y + r, x + r * 0.4, y - r * 0.4), fill=TOOL_GREY, width=width)
        draw.polygon(
            [(x, y - r), (x + r, y - r * 0.1), (x + r * 0.7, y + r * 0.2), (x - r * 0.3, y - r * 0.7)],
            fill=TOOL_GREY,
        )
    elif tool == "brush":
        draw.rectangle((x - r * 0.2, y - r, x + r * 0.2, y + r * 0.1), fill=TOOL_GREY)
        draw.polygon(
            [
                (x - r * 0.6, y + r),
                (x + r * 0.6, y + r),
                (x + r * 0.25, y + r * 0.1),
                (x - r * 0.25, y + r * 0.1),
            ],
            fill=TOOL_GREY,
        )
    elif tool == "wrench":
        draw.line((x - r, y + r, x + r * 0.3, y - r * 0.3), fill=TOOL_GREY, width=width + 1)
        draw.arc((x, y - r, x + r, y), start=100, end=350, fill=TOOL_GREY, width=width + 1)
    elif tool == "spoon":
        draw.ellipse((x - r * 0.45, y - r, x + r * 0.45, y - r * 0.1), fill=TOOL_GREY)
        draw.line((x, y - r * 0.2, x, y + r), fill=TOOL_GREY, width=width)
    elif tool == "scissors":
        draw.line((x - r, y - r, x + r * 0.6, y + r * 0.4), fill=TOOL_GREY, width=width)
        draw.line((x + r, y - r, x - r * 0.6, y + r * 0.4), fill=TOOL_GREY, width=width)
        for cx in (x - r * 0.7, x + r * 0.7):
            draw.ellipse((cx - r * 0.3, y + r * 0.4, cx + r * 0.3, y + r), outline=TOOL_GREY, width=width)
    elif tool != "none":
        raise ValueError(f"unknown tool {tool!r}; valid choices are {', '.join(TOOLS)}")
