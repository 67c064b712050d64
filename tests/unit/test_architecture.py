"""The layout holds: no import cycle between any two modules, prompts ship as package data, and the drive
package keeps at most ten modules at its top (everything else lives in a subpackage by concern)."""

from __future__ import annotations

from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph("drive", "rag", "ui", "prompts")
    g = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def test_at_most_ten_modules_directly_under_drive() -> None:
    top = sorted(p.name for p in (ROOT / "drive").glob("*.py"))
    assert len(top) <= 10, top


def test_every_prompt_loads_from_the_package() -> None:
    from importlib import resources

    from drive.ml.prompts import load_prompt

    names = [p.name.removesuffix(".md") for p in resources.files("prompts").iterdir() if p.name.endswith(".md")]
    assert {"answer", "community_report", "extract_relations", "global_map", "global_reduce", "rewrite"} <= set(names)
    for name in names:
        assert load_prompt(name).render(**{k: "x" for k in _placeholders(name)})


def _placeholders(name: str) -> set[str]:
    from drive.ml.prompts import load_prompt

    prompt = load_prompt(name)
    found: set[str] = set()
    for template in (prompt.system, prompt.user):
        found |= {m.group("named") or m.group("braced") for m in template.pattern.finditer(template.template)
                  if m.group("named") or m.group("braced")}
    return found
