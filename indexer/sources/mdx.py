"""MDX (Docusaurus, and the `.md` pages it reads as MDX): the Markdown under the JavaScript.

A documentation site's pages are Markdown plus MDX's additions, which would otherwise reach the
index as code-like noise or lose their screenshots:
- ESM blocks (`import Tabs from '@theme/Tabs';`, `export const meta = {...}`): a paragraph opening
  with one is code, dropped, as MDX compiles it (a shell note's `export PATH=...` is not one).
- Pictures imported as modules: `import shot from './img/shot.png'` then `<img src={shot} />`, and
  `src={require('./img/x.png').default}` / `src={useBaseUrl('/img/x.png')}`, read as that file.
- `{/* comments */}` are dropped; admonitions (`:::tip Title` ... `:::`, also VitePress and Pandoc
  fenced divs, Zenn's `:::details Title`) keep their title and body, not their markers; Zenn's
  `:::message` / `:::message alert` and Qiita's `:::note info|warn|alert` boxes have no title (the
  word is the box's colour, not shown).
A component's tags alone on their lines (`<Frame>`, `<Step title="Add a node">`) are opened up so
the Markdown they hold is read as Markdown, pictures in place (`jsx_blocks.py`); other JSX is read as
HTML is (`html.py`: its text kept, tags not). Fenced code is untouched,
comments in it included.
"""

from __future__ import annotations

import re

from indexer.sources.fences import code_fences, outside_code
from indexer.sources.jsx_blocks import open_components

_ESM = re.compile(
    r"^(?:import\s+(?:[\w*{}\s,]+\s+from\s+)?['\"][^'\"]+['\"]|"
    r"export\s+(?:const|let|var|function|async|class|default)\b|export\s*\{)"
)
_IMAGE_IMPORT = re.compile(
    r"""^import\s+(\w+)\s+from\s+['"]([^'"]+\.(?:png|jpe?g|gif|webp|avif|bmp|tiff?))['"]""", re.IGNORECASE
)
_MODULE_SRC = re.compile(
    r"""src=\{\s*(?:require\(\s*(['"])(?P<required>[^'"]+)\1\s*\)(?:\.default)?|"""
    r"""useBaseUrl\(\s*(['"])(?P<based>[^'"]+)\3\s*\))\s*\}"""
)
_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
_ADMONITION = re.compile(
    r"^(?P<indent>[ \t]*):::+[ \t]*(?:\{[^}]*\}|(?P<kind>[\w-]+))?[ \t]*(?P<title>.*?)[ \t]*$"
)


def clean_mdx(text: str) -> str:
    """The page with MDX's own syntax read as the site shows it (see the module doc)."""
    text = open_components(text)  # `<Frame>` / `<Step title=...>` around Markdown (jsx_blocks.py)
    if not any(marker in text for marker in ("import", "export", "{", ":::")):
        return text
    images = {name: path for name, path in _image_imports(text)}
    out: list[str] = []
    skipping = False  # inside an ESM paragraph
    previous_blank = True
    for line, code in code_fences(outside_code(text, lambda run: _COMMENT.sub("", run)).split("\n")):
        if code:
            out.append(line)
            skipping = previous_blank = False
            continue
        blank = not line.strip()
        if skipping and not blank:
            continue
        skipping = previous_blank and bool(_ESM.match(line))
        previous_blank = blank
        if skipping:
            continue
        if admonition := _ADMONITION.match(line):  # `:::tip Title`, `:::tip[Title]`, a closing `:::`
            title = admonition["title"].strip("[]").strip()
            kind = (admonition["kind"] or "").lower()
            if kind == "message" or kind == "note" and title.lower() in ("info", "warn", "alert"):
                title = ""  # Zenn's `:::message alert`, Qiita's `:::note warn`: a box's colour, no title
            line = admonition["indent"] + title if title else ""
        if "src={" in line:
            line = _MODULE_SRC.sub(lambda m: f'src="{m["required"] or m["based"]}"', line)
            for name, path in images.items():
                line = re.sub(rf"src=\{{\s*{name}\s*\}}", f'src="{path}"', line)
        out.append(line)
    return "\n".join(out)


def _image_imports(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for line in text.split("\n") if (m := _IMAGE_IMPORT.match(line.strip()))]
