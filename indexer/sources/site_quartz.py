"""A Quartz site: an Obsidian vault published as a website, the repository a person points us at.

Quartz 4 (`quartz.config.ts` at the repository's root, beside the `quartz/` engine) builds its pages
from the vault in `content/`. The rest of the repository is Quartz's: the template every Quartz site
starts from carries Quartz's own documentation in `docs/` (74 pages about plugins and layouts), a
README and a code of conduct. Read as notes, they came back among the person's own: on
lkim0402/obsidian-vault-main, 72 of 569 documents were Quartz's. So the pages are
`content/` only, and what the config's `ignorePatterns` keeps out of the site (`private`,
`templates`, `.obsidian` by default; globs relative to `content/`, as Quartz's file search takes
them) is said, not read. The vault's Obsidian syntax (`![[Pasted image.png]]` found by name,
callouts, block references) is read as in any vault; as on any site, a picture no page shows is
reported with its folder, not made a document of its own. Pointing at `content/` itself reads the
whole vault, private folders too: it is then an ordinary folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexer.sources.site import SiteLayout

QUARTZ_CONFIGS = ("quartz.config.ts", "quartz.config.js", "quartz.config.mjs")
QUARTZ_PAGES = "content"  # Quartz's `--directory`, which its build scripts leave at the default
_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)
_IGNORE_PATTERNS = re.compile(r"\bignorePatterns\s*:\s*\[(?P<items>[^\]]*)\]")
_STRING = re.compile(r"""(['"`])(?P<value>[^'"`$]*)\1""")


def quartz_layout(root: Path, folder: str) -> SiteLayout | None:
    """The layout of a Quartz site whose config is in `root / folder`, or None."""
    config = next((root / folder / name for name in QUARTZ_CONFIGS if (root / folder / name).is_file()), None)
    if config is None:
        return None
    pages = "/".join(part for part in (folder, QUARTZ_PAGES) if part)
    globs = tuple(f"{pages}/{pattern.strip('/')}" for pattern in _ignore_patterns(config))
    return SiteLayout("Quartz", pages, skip_globs=globs)


def _ignore_patterns(config: Path) -> list[str]:
    """The config's `ignorePatterns` as written (a computed value, or a negated `!glob`, left out)."""
    try:
        text = _COMMENT.sub("", config.read_text("utf-8", errors="replace"))
    except OSError:
        return []
    found = _IGNORE_PATTERNS.search(text)
    if found is None:
        return []
    values = (match["value"].strip() for match in _STRING.finditer(found["items"]))
    return [value for value in values if value and not value.startswith("!")]
