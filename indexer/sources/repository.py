"""Pictures a repository links by their own GitHub address, read from the copy being indexed.

Zenn articles, READMEs and notes published to GitHub often show a picture of the same repository
by its URL (`https://github.com/me/notes/raw/main/img/a.png`, `.../blob/main/img/a.png?raw=true`,
`https://raw.githubusercontent.com/me/notes/refs/heads/main/img/a.png`) because the page is also
shown elsewhere. When the collection *is* that repository, the file is right here: it is read from
the collection (nothing is fetched) instead of being skipped as remote.

The collection is that repository when the URL's repository name is the collection folder's name
(what `git clone` creates; `name-main` as GitHub's "Download ZIP" unpacks it) or the name in one of
its `.git/config` remote URLs, compared without case; the owner is not compared, so a renamed
account or a fork still matches. The path after the branch must be a file inside the collection;
anything else stays a remote link.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import SplitResult, unquote

_HOSTS = {"github.com": "github", "www.github.com": "github", "raw.githubusercontent.com": "raw"}
_REMOTE_URL = re.compile(r"^\s*url\s*=\s*(\S+)", re.MULTILINE)


def repository_names(root: Path) -> frozenset[str]:
    """Lower-case names this collection goes by as a GitHub repository: its folder's, its remotes'."""
    names = {root.name.casefold()}
    for branch in ("-main", "-master"):  # GitHub's "Download ZIP" unpacks `notes` as `notes-main`
        if root.name.casefold().endswith(branch):
            names.add(root.name.casefold().removesuffix(branch))
    try:
        config = (root / ".git" / "config").read_text("utf-8", errors="replace")
    except OSError:
        config = ""
    for url in _REMOTE_URL.findall(config):  # git@github.com:me/notes.git, https://github.com/me/notes
        name = url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        names.add(name.removesuffix(".git").casefold())
    return frozenset(name for name in names if name)


def own_file(url: SplitResult, names: frozenset[str], root: str) -> str | None:
    """The collection-relative path of the file `url` shows when it is one of this repository's
    files on GitHub and that file is in the collection at `root`, else None."""
    host = _HOSTS.get(url.netloc.lower())
    if host is None:
        return None
    parts = [unquote(part) for part in url.path.split("/") if part]
    if host == "github":  # /owner/repo/raw|blob/branch/path...
        if len(parts) < 5 or parts[2] not in ("raw", "blob"):
            return None
        repository, rest = parts[1], parts[3:]  # `blob` too: the person meant the picture there
    else:  # raw.githubusercontent.com/owner/repo/branch/path...
        if len(parts) < 4:
            return None
        repository, rest = parts[1], parts[2:]
    if rest[:2] == ["refs", "heads"]:  # `refs/heads/main` names the branch in newer raw URLs
        rest = rest[2:]
    path = "/".join(rest[1:])  # after the branch
    if repository.removesuffix(".git").casefold() not in names or not path or ".." in rest:
        return None
    real = os.path.realpath(os.path.join(root, path))
    return path if real.startswith(os.path.join(root, "")) and os.path.isfile(real) else None
