"""Every third-party package the code imports is declared, and mme_core stays free of storage and UI."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME = ["mme_core", "mme_data", "indexer", "webapp", "app.py"]  # installed by requirements.txt
OPTIONAL = {  # extras a person installs to use them
    "indexer/ray_build.py": "requirements-ray.txt",
    "mme_data/word_vocabulary.py": "requirements-dev.txt",  # rebuilding the demo is a developer's job
}
DEVELOPMENT = ["tests", "bench"]  # may also use requirements-dev.txt
LOCAL = {"mme_core", "mme_data", "indexer", "webapp", "bench", "app", "tests"}


def imported_modules(paths: list[str]) -> dict[str, set[str]]:
    """Top-level third-party module -> files importing it (local test helpers excluded)."""
    found: dict[str, set[str]] = {}
    for entry in paths:
        root = REPO / entry
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        helpers = {f.stem for f in files}  # tests import their own helper modules by bare name
        for file in files:
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if (
                        top in sys.stdlib_module_names
                        or top in LOCAL
                        or top in helpers
                        or top == "__future__"
                    ):
                        continue
                    found.setdefault(top, set()).add(str(file.relative_to(REPO)))
    return found


def declared(requirements: str) -> set[str]:
    """Normalised distribution names listed in a requirements file (following -r includes)."""
    names: set[str] = set()
    for line in (REPO / requirements).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= declared(line[3:].strip())
        elif line:
            names.add(normalise(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]))
    return names


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def undeclared(paths: list[str], requirements: str) -> dict[str, list[str]]:
    distributions = packages_distributions()
    allowed = declared(requirements)
    missing = {}
    for module, files in imported_modules(paths).items():
        names = {normalise(d) for d in distributions.get(module, [module])}
        if not names & allowed:
            missing[f"{module} ({', '.join(sorted(names))})"] = sorted(files)[:3]
    return missing


def test_runtime_imports_are_declared_in_requirements_txt():
    missing = undeclared(RUNTIME, "requirements.txt")
    for path, extra in OPTIONAL.items():  # an extra's own imports are declared in its own file
        for module in set(undeclared([path], "requirements.txt")) - set(undeclared([path], extra)):
            missing.pop(module)
    assert missing == {}


def test_test_and_bench_imports_are_declared_in_requirements_dev_txt():
    assert undeclared(DEVELOPMENT, "requirements-dev.txt") == {}


def test_the_scan_finds_real_imports_and_flags_a_missing_declaration(tmp_path):
    """Guard against a scan that silently finds nothing: drop PyYAML from a copy and it is reported."""
    assert {"torch", "transformers", "lancedb", "gradio", "yaml"} <= set(imported_modules(RUNTIME))
    without_yaml = tmp_path / "requirements.txt"
    lines = (REPO / "requirements.txt").read_text().splitlines()
    without_yaml.write_text("\n".join(line for line in lines if not line.startswith("PyYAML")))
    assert list(undeclared(["mme_core"], str(without_yaml))) == ["yaml (pyyaml)"]


def test_pyproject_builds_with_setuptools_and_reads_requirements_txt():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"]["file"] == ["requirements.txt"]
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {"mme_core*", "mme_data*", "indexer*", "webapp*", "bench*"} <= set(packages)


@pytest.mark.parametrize("package", ["transformers", "lancedb", "gradio"])
def test_libraries_whose_internals_we_use_are_pinned_to_a_minor_range(package):
    line = next(
        line for line in (REPO / "requirements.txt").read_text().splitlines() if line.startswith(package)
    )
    upper = re.search(r"<(\d+)\.(\d+)$", line)
    assert upper, f"{line!r} has no minor-release upper bound"


def test_importing_mme_core_loads_neither_storage_nor_ui():
    """mme_core knows nothing of LanceDB or Gradio: not even its evaluation or training packages."""
    code = (
        "import sys, mme_core, mme_core.evaluation, mme_core.training, mme_core.tiir;"
        "import mme_core.evaluation.baselines, mme_core.evaluation.cli, mme_core.training.cli;"
        "print(sorted(m for m in ('lancedb', 'gradio', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"
