"""The import contract of ``docs/architecture.md``, checked on the source.

Each package may import only the packages listed for it in :data:`ALLOWED` — the layers of the
architecture doc, lower layers never reaching up. Imports inside ``if TYPE_CHECKING:`` blocks are left out:
they name types for the checker and create no dependency at run time. Function-level imports count.

Besides the layers: SQL and the SQLite driver live only in ``store/``, nothing outside ``store/`` names the
SQLite backend (the registry in ``store/__init__.py`` opens it), part-of-speech tagging goes through
``text/segment.py`` only, and no module grows past :data:`MAX_MODULE_LINES` lines.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "themeflow"

MAX_MODULE_LINES = 600

_CORE = {
    "errors",
    "model",
    "config",
    "dates",
    "schedule",
    "timefmt",
    "progress",
    "processes",
    "ids",
    "version",
}

ALLOWED: dict[str, set[str]] = {
    # records, errors and small utilities: the floor
    "errors": set(),
    "model": {"errors"},
    "version": set(),
    "config": {"errors"},
    "dates": {"errors"},
    "schedule": {"errors"},
    "timefmt": {"config", "errors"},
    "progress": set(),
    "processes": set(),
    "ids": set(),
    # pure text processing
    "text": {"errors", "model"},
    # the core capabilities, each on its own
    "dedup": {"text", "model", "errors"},
    # same-event grouping of stories (a view): text signals, the copy detector's normalization
    "events": {"text", "model", "errors", "dedup"},
    "ingest": {"text", "model", "errors", "config", "ids", "dates", "timefmt", "version", "processes"},
    "search": {"text", "model", "errors", "dates"},
    "summarize": {"text", "model", "errors", "dates"},
    # dense vectors for semantic search: the embedder and the pipeline that embeds stored documents
    "embed": {"text", "model", "errors", "config"},
    "facts": {"text", "model", "errors", "summarize"},
    "serialize": {"text", "model", "errors", "timefmt", "dates"},
    # persistence: records in, records out; knows no feature above it
    "store": {"text", "model", "errors", "search", "dedup", "serialize", "config"},
    # rendering: records only
    "report": {"text", "model", "errors", "facts", "summarize", "serialize", "timefmt"},
    # concept tags: the store (protocols) and the service's search handed in, saved themes as concepts
    "tags": _CORE | {"text", "store", "search", "facts", "serialize", "summarize", "events"},
    # notifications of a run: a digest in, a webhook POST or an e-mail out
    "notify": _CORE | {"report", "serialize"},
    # saved themes: get store, search and summarizer handed in (WorkflowContext), never the service
    "workflow": _CORE | {"text", "store", "search", "report", "serialize", "facts", "summarize", "notify"},
    # batch stages on a Ray cluster: a stage's batches as tasks that open the shared store and write
    "cluster": _CORE | {"store", "embed"},
    # the one API
    "service": _CORE
    | {
        "text",
        "ingest",
        "dedup",
        "search",
        "summarize",
        "facts",
        "serialize",
        "store",
        "report",
        "workflow",
        "embed",
        "tags",
        "notify",
        "cluster",
    },
}
"""Package → the packages it may import (besides itself). The faces (``web``, ``cli*``) may import any
package; what they may not do is checked by :data:`FACE_FORBIDDEN`."""

FACES = {"web", "cli"} | {p.stem for p in SRC.glob("cli_*.py")}
"""The faces: the web package, ``cli.py`` and every ``cli_*.py`` next to it (as docs/architecture.md says)."""
FACE_FORBIDDEN = ("themeflow.store.sqlite",)


@dataclass(frozen=True, slots=True)
class Import:
    module: str
    """The importing module, e.g. ``themeflow.workflow.runner``."""
    target: str
    """The imported module or name, e.g. ``themeflow.store.base``."""
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


def _package(module: str) -> str:
    """``themeflow.store.sqlite.store`` → ``store``; ``themeflow`` (the package root) → ``version``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__version__" else "version"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, *, module: str | None = None, type_only_too: bool = False) -> list[Import]:
    """Every import in ``path`` outside ``if TYPE_CHECKING:`` blocks (inside them too with
    ``type_only_too``), function-level ones included."""
    module = module or _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if not type_only_too and isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    out: list[Import] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out += [Import(module, a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: resolve against this module's package
                anchor = (
                    module.split(".")[: -node.level] if not path.name == "__init__.py" else module.split(".")
                )
                base = ".".join([*anchor, node.module])
            out.append(Import(module, base, node.lineno))
            out += [Import(module, f"{base}.{a.name}", node.lineno) for a in node.names]
    return out


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _all_imports() -> list[Import]:
    return [imp for path in _sources() for imp in _imports(path)]


def test_the_source_tree_is_where_this_test_looks() -> None:
    assert (SRC / "service.py").is_file() and (SRC / "store" / "base.py").is_file()


def test_every_package_is_placed_in_the_contract() -> None:
    packages = {_package(_module_name(p)) for p in _sources()}
    unplaced = packages - set(ALLOWED) - FACES
    assert not unplaced, f"add these packages to ALLOWED or FACES (and to docs/architecture.md): {unplaced}"


def _layer_violations(imports: list[Import]) -> list[str]:
    broken: list[str] = []
    for imp in imports:
        if not imp.target.startswith("themeflow."):
            continue
        source, target = _package(imp.module), _package(imp.target)
        if source in FACES or source == target:
            continue
        if target not in ALLOWED[source]:
            broken.append(f"{imp.module}:{imp.line} imports {imp.target} ({source} → {target})")
    return broken


def test_packages_import_only_what_the_architecture_allows() -> None:
    broken = _layer_violations(_all_imports())
    assert not broken, "imports the architecture does not allow:\n" + "\n".join(sorted(set(broken)))


#: The bottom layers stay free of feature names even in type hints: a record or a backend that names a
#: workflow, a summarizer or the service would have to change with it.
FOUNDATION = {"model", "errors", "config", "timefmt", "dates", "serialize", "text", "store"}


def test_foundation_names_no_higher_layer_even_for_types() -> None:
    imports = [
        imp
        for path in _sources()
        if _package(_module_name(path)) in FOUNDATION
        for imp in _imports(path, type_only_too=True)
    ]
    broken = _layer_violations(imports)
    assert not broken, "foundation modules name higher layers:\n" + "\n".join(sorted(set(broken)))


def test_faces_never_reach_past_the_store_protocols() -> None:
    broken = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in _all_imports()
        if _package(imp.module) in FACES and imp.target.startswith(FACE_FORBIDDEN)
    ]
    assert not broken, "\n".join(broken)


BACKENDS = ("themeflow.store.sqlite", "themeflow.store.postgres")


def test_only_the_store_registry_names_a_backend() -> None:
    broken = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in _all_imports()
        if imp.target.startswith(BACKENDS) and _package(imp.module) != "store"
    ]
    assert not broken, "open stores through themeflow.store.open_store:\n" + "\n".join(broken)


def test_backends_share_code_only_through_backend_free_modules() -> None:
    """A backend never imports another (what both need lives in store/plan.py, store/columns.py, …), and
    the backend-free store modules import no backend."""
    broken = []
    for imp in _all_imports():
        own = next((b for b in BACKENDS if imp.module.startswith(b)), None)
        if not imp.module.startswith("themeflow.store") or not imp.target.startswith(BACKENDS):
            continue
        if imp.module == "themeflow.store":  # the registry
            continue
        if own is None or not imp.target.startswith(own):
            broken.append(f"{imp.module}:{imp.line} imports {imp.target}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    ("library", "home"),
    [
        ("sqlite3", "themeflow.store.sqlite"),
        ("psycopg", "themeflow.store.postgres"),
        ("psycopg_pool", "themeflow.store.postgres"),
        ("rjieba", "themeflow.text.segment"),
    ],
)
def test_a_library_is_used_from_its_one_home(library: str, home: str) -> None:
    broken = [
        f"{imp.module}:{imp.line}"
        for imp in _all_imports()
        if imp.target.split(".")[0] == library and not imp.module.startswith(home)
    ]
    assert not broken, f"{library} is imported outside {home}:\n" + "\n".join(broken)


_SQL = re.compile(r"\.execute(?:many)?\(|\bSELECT\b.+\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b", re.S)


def test_no_sql_outside_the_store() -> None:
    broken: list[str] = []
    for path in _sources():
        if _module_name(path).startswith(BACKENDS):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _SQL.search(line):
                broken.append(f"{path.relative_to(SRC.parent)}:{n}: {line.strip()}")
    assert not broken, (
        "SQL belongs in store/<backend>/ (not in the backend-free store modules):\n" + "\n".join(broken)
    )


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        str(p.relative_to(SRC.parent)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (limit {MAX_MODULE_LINES} lines): {long}"


def test_the_contract_catches_a_forbidden_import() -> None:
    """The checker itself: a workflow module importing the service, or the store importing a feature, is
    reported; a face importing the service is not."""
    probes = [
        Import("themeflow.workflow.runner", "themeflow.service", 1),
        Import("themeflow.store.sqlite.workflows", "themeflow.workflow.records", 2),
        Import("themeflow.web.api", "themeflow.service", 3),
    ]
    broken = _layer_violations(probes)
    assert len(broken) == 2
    assert "workflow → service" in broken[0] and "store → workflow" in broken[1]


def test_type_checking_imports_are_left_out(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from themeflow.service import Themeflow\n"
        "def f():\n    from themeflow.store import base\n",
        encoding="utf-8",
    )
    assert [i.target for i in _imports(probe, module="themeflow.workflow.probe")] == [
        "typing",
        "typing.TYPE_CHECKING",
        "themeflow.store",
        "themeflow.store.base",
    ]
