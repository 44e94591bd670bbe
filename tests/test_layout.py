"""The house's layout holds in the code: every module's imports, parsed with ``ast``.

- No import circle anywhere in the project, counting imports inside functions and under
  ``TYPE_CHECKING`` (a late import does not make a circle go away).
- rag/ is layered: base <- store, models <- retrieval, tracking <- answering <- service
  <- evaluate. A module imports its own wing and lower layers only; wings on one layer do not
  import each other.
- rag/ imports none of the interfaces (gradio, fastapi, starlette, uvicorn) nor ingest, ui,
  api, bench, app or cli; ingest and api import rag only, ui imports rag and ingest;
  ingest/formats (the parsers) imports rag only, never the rest of ingest.

The checks are plain functions, run on the project and on small planted trees, so each
is seen to fail where it should.
"""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

#: rag's wings by layer; a module of layer n may import layers < n and its own wing.
LAYERS: dict[str, int] = {
    "rag": 0,  # the base: config, types, text, dates, memory, regulations
    "rag.store": 1, "rag.models": 1,
    "rag.retrieval": 2, "rag.tracking": 2,
    "rag.answering": 3,
    "rag.service": 4,
    "rag.evaluate": 5,  # drives the service over a QA set
}
#: Code of ours, by module prefix, and the prefixes it may import (None: anything of ours).
#: The longest matching prefix rules.
ALLOWED: dict[str, set[str] | None] = {
    "rag": {"rag"},
    "ingest": {"rag", "ingest"},
    "ingest.formats": {"rag", "ingest.formats"},  # parsers: text in, Article out; no I/O
    "api": {"rag", "api"},
    "ui": {"rag", "ingest", "ui"},
    "bench": None, "app": None, "cli": None, "scripts": None, "tests": None,
}
#: Libraries the core must not import: it stays a library under every interface.
INTERFACE_LIBS = {"gradio", "fastapi", "starlette", "uvicorn"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path, modules: set[str] = frozenset()) -> list[tuple[str, int]]:
    """Every module ``path`` imports, absolute, with its line: top-level, in functions and
    under TYPE_CHECKING alike. ``from pkg import name`` names ``pkg.name`` where that is
    one of ``modules``, else ``pkg``."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            subs = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in modules]
            found += [(m, node.lineno) for m in subs or [mod]]
    return found


def project_graph(root: Path) -> dict[str, dict[str, int]]:
    """module -> {imported module of ours: line}, over every .py file under ``root``."""
    files = [p for p in root.rglob("*.py")
             if not any(part.startswith(".") or part in {"var", "build", "node_modules"}
                        for part in p.relative_to(root).parts)]
    modules = {module_name(p, root): p for p in files}
    graph: dict[str, dict[str, int]] = {}
    for mod, path in modules.items():
        edges: dict[str, int] = {}
        for target, line in imports_of(path, root, set(modules)):
            if target in modules and target != mod:
                edges.setdefault(target, line)
        graph[mod] = edges
    return graph


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def wing(mod: str) -> str | None:
    """The rag wing a module belongs to: 'rag' for the base, None outside rag."""
    parts = mod.split(".")
    if parts[0] != "rag":
        return None
    for n in (2, 1):
        if ".".join(parts[:n]) in LAYERS:
            return ".".join(parts[:n])
    return "rag"


def layer_violations(graph: dict[str, dict[str, int]]) -> list[str]:
    """Imports inside rag that go up a layer or across to a sibling wing."""
    bad = []
    for mod, edges in graph.items():
        src = wing(mod)
        if src is None:
            continue
        for target, line in edges.items():
            dst = wing(target)
            if dst is None or dst == src:
                continue
            if LAYERS[dst] >= LAYERS[src]:
                kind = "up" if LAYERS[dst] > LAYERS[src] else "across"
                bad.append(f"{mod}:{line} imports {target} ({kind}: {src} -> {dst})")
    return bad


def boundary_violations(root: Path) -> list[str]:
    """Imports across the boundaries of ALLOWED (rag must stay a library)."""
    bad = []
    ours = {module_name(p, root).split(".")[0] for p in root.glob("*.py")} | {
        p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if any(part.startswith(".") or part in {"var", "build"} for part in rel.parts):
            continue
        mod = module_name(path, root)
        rule = max((k for k in ALLOWED if _within(mod, k) or rel.parts[0] == k),
                   key=len, default=None)
        allowed = ALLOWED.get(rule) if rule else None
        if allowed is None:
            continue
        for target, line in imports_of(path, root):
            head = target.split(".")[0]
            if ((head in ours and not any(_within(target, a) for a in allowed))
                    or (rule == "rag" and head in INTERFACE_LIBS)):
                bad.append(f"{rel}:{line} imports {target}")
    return sorted(set(bad))


def _within(mod: str, prefix: str) -> bool:
    return mod == prefix or mod.startswith(prefix + ".")


# -- the project --------------------------------------------------------------------------

def test_no_import_circle_in_the_project():
    assert circles(project_graph(REPO)) == []


def test_rag_wings_import_only_downward():
    assert layer_violations(project_graph(REPO)) == []


def test_rag_stays_a_library_and_the_boundaries_hold():
    assert boundary_violations(REPO) == []


def test_every_rag_module_has_a_wing_on_the_map():
    """A new subpackage of rag/ must be given its layer here before it can pass."""
    for init in (REPO / "rag").glob("*/__init__.py"):
        assert f"rag.{init.parent.name}" in LAYERS, init.parent.name
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()) >= 2, f"{init}: say what the wing is for"


# -- the checks themselves, on planted trees ---------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, src in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(src)
    for d in {p.parent for p in tmp_path.rglob("*.py")}:
        (d / "__init__.py").touch()
    return tmp_path


def test_a_circle_through_a_late_import_is_found(tmp_path):
    root = _tree(tmp_path, {
        "rag/answering/answer.py": "from rag.tracking.timeline import event_type\n",
        "rag/tracking/timeline.py": "def f():\n    from rag.answering.answer import x\n",
    })
    assert circles(project_graph(root)) == [["rag.answering.answer", "rag.tracking.timeline"]]


def test_upward_and_sideways_imports_are_found(tmp_path):
    root = _tree(tmp_path, {
        "rag/dates.py": "",
        "rag/retrieval/query.py": "from rag.answering.grounding import MONTH_NAMES\n"
                                  "from rag.dates import x\n",
        "rag/answering/grounding.py": "from ..retrieval import query\n",
        "rag/store/chroma_conn.py": "from rag.models.embeddings import ChromaEmbedding\n",
        "rag/models/embeddings.py": "from typing import TYPE_CHECKING\n"
                                    "if TYPE_CHECKING:\n    from rag.service import S\n",
        "rag/service.py": "from .answering.grounding import y\n",
    })
    found = layer_violations(project_graph(root))
    assert sorted(f.split(" (")[0] for f in found) == [
        "rag.models.embeddings:3 imports rag.service",
        "rag.retrieval.query:1 imports rag.answering.grounding",
        "rag.store.chroma_conn:1 imports rag.models.embeddings",
    ]


def test_interfaces_and_outer_packages_in_rag_are_found(tmp_path):
    root = _tree(tmp_path, {
        "rag/service.py": "import gradio as gr\n",
        "rag/store/store.py": "def f():\n    from ingest.chunk import split\n",
        "ingest/chunk.py": "from ui import render\n",
        "ui/render.py": "from ingest.chunk import split\nfrom rag.service import S\n",
        "api/routes.py": "from bench import load\n",
        "ingest/formats/html.py": "from .parse import x\nfrom ..fetch import fetch\n",
        "ingest/formats/parse.py": "from rag.types import Article\n",
        "bench/load.py": "from api.routes import x\n",
    })
    assert boundary_violations(root) == [
        "api/routes.py:1 imports bench",
        "ingest/chunk.py:1 imports ui",
        "ingest/formats/html.py:2 imports ingest.fetch",
        "rag/service.py:1 imports gradio",
        "rag/store/store.py:2 imports ingest.chunk",
    ]
