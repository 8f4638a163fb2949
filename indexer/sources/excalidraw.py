"""Excalidraw drawings kept in an Obsidian vault (the Excalidraw plugin's `Drawing.excalidraw.md`).

The plugin saves a drawing as a Markdown note that Obsidian never shows as text: a banner asking to
"Switch to EXCALIDRAW VIEW", then `## Text Elements` (each text on the canvas, ended by its block id
` ^Xk3jd9aa`), `## Element Links`, `## Embedded Files` (`<hash>: [[photo.png]]`, a picture placed on
the canvas) and the drawing's JSON under `## Drawing` (in a `%%` comment since plugin 1.6; bare in
older files). What a person writes before `# Excalidraw Data` is the drawing's "back of the note",
Markdown of its own (a Mermaid diagram, a section per embedded file). Read as it was, a drawing was the
banner, the section headings, hashes and, in older files, kilobytes of JSON. It reads as what the
drawing shows: the back of the note, its texts, then the drawing itself as a picture when the
plugin exported one beside it (`Drawing.excalidraw.png`, see `exported_picture`), and the pictures
placed on it (so neither stands alone as a photo, or is reported as a picture no note shows). An
export that appears, changes or goes away after the drawing was read has the drawing read again
(the stat cache records each name looked for, as it does a page's includes). An SVG export is the
drawing's picture too, drawn as any SVG a note shows (`mme_core/svg.py`). Its title is
the file's name without `.excalidraw`.
"""

from __future__ import annotations

import re

from indexer.sources.site_includes import page_shows

PLUGIN_KEY = "excalidraw-plugin"  # the front matter key every drawing carries ("parsed", "raw")
_SECTION = re.compile(
    r"^#{1,2}[ \t]+(Excalidraw Data|Text Elements|Element Links|Embedded Files|Drawing)[ \t]*$", re.IGNORECASE
)
_BANNER = re.compile(r"^==⚠.*?⚠==")  # the plugin's "Switch to EXCALIDRAW VIEW ..." line
# `<hash>: [[photo.png]]`, `<hash>: https://...` (a web picture), `<hash>: $$\LaTeX$$` (a formula)
_EMBEDDED = re.compile(r"^[0-9a-f]{8,}:[ \t]*(?:(\[\[[^\]\n]+\]\])|(https?://\S+)|\$\$(.+)\$\$)[ \t]*$", re.I)


def is_drawing(name: str, properties: dict) -> bool:
    return PLUGIN_KEY in properties or name.lower().endswith(".excalidraw.md")


def exported_picture(name: str, properties: dict) -> str:
    """The picture of the drawing `name` the plugin's auto-export keeps beside it, relative to it,
    if the collection holds one; else "". The plugin names it after the drawing: `Pump.excalidraw.png`
    (`.svg`) beside `Pump.excalidraw.md`, or, with "export both light and dark", `Pump.excalidraw.light.png`
    and `.dark.png`, of which a note embedding it shows the light one unless the drawing's
    `excalidraw-export-dark: true` says dark. A PNG is taken before an SVG (the same drawing, and one
    the encoder reads). Each of these names is a file the drawing depends on: it is read again when an
    export appears, changes or goes away (`page_shows`), and none stands alone as a photo."""
    if not name.lower().endswith(".md"):
        return ""
    stem = name.rsplit("/", 1)[-1][: -len(".md")]
    dark = str(properties.get("excalidraw-export-dark")).lower() == "true"
    themes = ("", ".dark", ".light") if dark else ("", ".light", ".dark")
    names = [f"{stem}{theme}{suffix}" for suffix in (".png", ".svg") for theme in themes]
    held = [exported for exported in names if page_shows(exported)]  # each looked for: the other theme's
    return held[0] if held else ""  # export too is the drawing's, not a photo of its own


def drawing_markdown(body: str, exported: str = "") -> str:
    """The back of the note as written, the drawing's texts as paragraphs (their block ids are
    dropped as Obsidian's are, see obsidian.py) and the pictures on its canvas as embeds; nothing
    else of the file (the `<!--` some wrap the plugin's part in, to hide it once published, too)."""
    back: list[str] = []
    texts: list[str] = []
    pictures: list[str] = []
    section = ""
    for line in body.splitlines():
        if heading := _SECTION.match(line):
            section = heading.group(1).lower()
        elif line.strip() in ("%%", "<!--", "-->") or _BANNER.match(line):
            continue
        elif not section:
            back.append(line)
        elif section == "text elements":  # a canvas' text is words, not HTML: `<Gateway>` stays
            texts.append(line.replace("<", "&lt;"))
        elif section == "embedded files" and (embedded := _EMBEDDED.match(line)):
            wiki, url, formula = embedded.groups()
            if formula:
                texts += ["", formula.strip()]
            else:  # a web picture is said as not fetched, as in any note
                pictures.append("!" + wiki if wiki else f"![](<{url}>)")
    if exported:  # the whole drawing as a picture, before what is placed on it
        pictures.insert(0, f"![](<{exported}>)")
    parts = ("\n".join(back).strip(), "\n".join(texts).strip(), "\n\n".join(pictures))
    return "\n\n".join(part for part in parts if part) + "\n"
