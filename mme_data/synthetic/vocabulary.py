"""Words of the synthetic how-to world: topics with ordered steps, and the attributes pictures draw.

Step texts never name what the picture shows (no colours, shapes or counts), so the text of a
tutorial cannot tell apart tutorials that differ only in their pictures. `{s}` in a step is the
tutorial's subject.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    verb: str  # title verb phrase, e.g. "repot"
    subjects: tuple[str, ...]
    steps: tuple[str, ...]  # in the order they happen; a tutorial keeps a subsequence of them


TOPICS: tuple[Topic, ...] = (
    Topic(
        "repot",
        ("a cactus", "a fern", "an orchid", "a tomato seedling", "a bonsai", "a snake plant"),
        (
            "Water {s} the day before",
            "Loosen the soil around the edge",
            "Lift {s} out of the old pot",
            "Trim the dead roots",
            "Add fresh soil to the new pot",
            "Set {s} in the middle",
            "Fill the gaps and press down",
            "Water lightly and leave it in the shade",
        ),
    ),
    Topic(
        "paint",
        ("a fence", "a bookshelf", "a door", "a garden chair", "a bedroom wall", "a flower box"),
        (
            "Sand the surface of {s}",
            "Wipe off the dust",
            "Tape the edges",
            "Stir the primer",
            "Apply a thin coat of primer",
            "Let it dry overnight",
            "Brush on the first coat",
            "Add a second coat and remove the tape",
        ),
    ),
    Topic(
        "bake",
        ("sourdough bread", "banana bread", "oat cookies", "a lemon cake", "cinnamon rolls", "rye bread"),
        (
            "Weigh the flour for {s}",
            "Mix the dry ingredients",
            "Whisk the wet ingredients",
            "Fold everything together",
            "Knead or stir until smooth",
            "Let the dough rest",
            "Shape it and place it on the tray",
            "Bake until golden and let it cool",
        ),
    ),
    Topic(
        "fix",
        (
            "a bike chain",
            "a leaking tap",
            "a wobbly table",
            "a squeaky hinge",
            "a loose drawer",
            "a flat tyre",
        ),
        (
            "Find where {s} fails",
            "Clear the work area",
            "Remove the cover or the panel",
            "Loosen the old fitting",
            "Clean the parts",
            "Fit the new piece",
            "Tighten everything again",
            "Test {s} and adjust",
        ),
    ),
    Topic(
        "organise",
        ("a pantry", "a desk drawer", "a toolbox", "a wardrobe", "a bathroom cabinet", "a garage shelf"),
        (
            "Empty {s} completely",
            "Sort the items into groups",
            "Throw away what is broken",
            "Wipe the shelves",
            "Label the boxes",
            "Put heavy items at the bottom",
            "Place daily items within reach",
            "Check {s} once a week",
        ),
    ),
    Topic(
        "plant",
        ("tulip bulbs", "a lemon tree", "herb seeds", "a rose bush", "strawberries", "sunflowers"),
        (
            "Choose a sunny spot for {s}",
            "Dig a hole twice as wide",
            "Mix compost into the soil",
            "Place {s} in the hole",
            "Cover the roots with soil",
            "Press the soil down gently",
            "Water deeply",
            "Add mulch around the base",
        ),
    ),
    Topic(
        "clean",
        ("an oven", "a carpet stain", "a window", "a cast iron pan", "a fish tank", "a laptop keyboard"),
        (
            "Unplug or switch off {s}",
            "Remove loose dirt",
            "Mix the cleaning solution",
            "Apply the solution and wait",
            "Scrub in small circles",
            "Rinse with clean water",
            "Dry with a soft cloth",
            "Inspect {s} and repeat if needed",
        ),
    ),
    Topic(
        "build",
        ("a birdhouse", "a raised bed", "a shoe rack", "a bird feeder", "a small bench", "a compost bin"),
        (
            "Measure the boards for {s}",
            "Mark the cutting lines",
            "Cut the pieces",
            "Sand the rough edges",
            "Drill the pilot holes",
            "Join the sides with screws",
            "Attach the top",
            "Seal {s} against the rain",
        ),
    ),
    Topic(
        "wrap",
        ("a birthday gift", "a book", "a bottle of wine", "a round box", "a picture frame", "a toy car"),
        (
            "Measure the paper around {s}",
            "Cut the paper to size",
            "Place {s} face down",
            "Fold one long side over",
            "Tape the seam",
            "Fold the ends into triangles",
            "Tape the ends down",
            "Add a ribbon and a tag",
        ),
    ),
    Topic(
        "brew",
        ("green tea", "cold brew coffee", "chai", "herbal tea", "pour-over coffee", "iced matcha"),
        (
            "Heat the water for {s}",
            "Warm the cup or the pot",
            "Measure the leaves or the grounds",
            "Pour a little water to bloom",
            "Add the rest of the water",
            "Steep for the right time",
            "Strain into the cup",
            "Serve {s} and rinse the tools",
        ),
    ),
    Topic(
        "sew",
        ("a button", "a torn pocket", "a pillow cover", "a hem", "a tote bag", "a patch on jeans"),
        (
            "Thread the needle for {s}",
            "Tie a knot at the end",
            "Pin the fabric in place",
            "Push the needle up from below",
            "Stitch along the line",
            "Pull the thread snug",
            "Tie off on the back",
            "Trim the loose thread",
        ),
    ),
    Topic(
        "set up",
        ("an aquarium", "a home router", "a tent", "a bird bath", "a fire pit", "a hammock"),
        (
            "Pick a level place for {s}",
            "Unpack all the parts",
            "Check the parts against the list",
            "Lay out the base",
            "Connect the main pieces",
            "Secure the joints",
            "Add the finishing parts",
            "Test that {s} is stable",
        ),
    ),
)

# Picture attributes. Colour names are for metadata and tests; the renderer uses the RGB values.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "orange": (245, 140, 20),
    "yellow": (235, 210, 20),
    "green": (40, 160, 50),
    "teal": (20, 150, 150),
    "blue": (30, 70, 220),
    "purple": (130, 50, 180),
    "pink": (240, 110, 180),
    "brown": (120, 70, 30),
    "black": (25, 25, 25),
}
SHAPES = ("circle", "square", "triangle", "star", "diamond", "cross")
COUNTS = (1, 2, 3)
PLACES = ("top", "middle", "bottom")
TOOLS = ("none", "hammer", "brush", "wrench", "spoon", "scissors")

# Interleaved queries, wikiHow-TIIR style: a person describes where they are, with their own pictures.
QUERY_OPENERS = (
    "I am trying to {title}.",
    "How do I {title}?",
    "I need help: I want to {title}.",
    "Working on this: {title}.",
)
QUERY_CONNECTORS = (
    "When I {action}, mine looks like this:",
    "At the step '{action}' I have this:",
    "I did this to {action}:",
    "Here is what I got when I {action}:",
)
QUERY_CLOSERS = (
    "What should I do next?",
    "Is this the right way?",
    "Which guide shows these steps?",
    "How do I finish from here?",
)


def corpus_lines() -> list[str]:
    """Every phrase the generator can write, e.g. to train a tiny checkpoint's tokenizer."""
    lines = []
    for topic in TOPICS:
        for subject in topic.subjects:
            lines.append(f"How to {topic.verb} {subject}")
            lines.extend(f"Step 1. {step.format(s=subject)}." for step in topic.steps)
    lines.extend(QUERY_OPENERS + QUERY_CONNECTORS + QUERY_CLOSERS)
    return lines
