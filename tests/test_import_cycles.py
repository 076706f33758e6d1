"""No module of jdoffice imports itself back, directly or through others.

import-linter's layers contract checks the direction between layers; a cycle between two
modules of the same layer (a config module and the senders it configures, a registry and the
gateway it falls back to) slips through it. grimp, which import-linter is built on, reads
every import, including those inside functions.
"""

from __future__ import annotations

import grimp


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph("jdoffice", cache_dir=None)
    cycles: set[tuple[str, ...]] = set()
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            if not imported.startswith("jdoffice"):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycle = (importer, *back)
                # One entry per cycle, whichever module it is read from.
                start = cycle.index(min(cycle[:-1]))
                cycles.add((*cycle[start:-1], *cycle[:start], cycle[start]))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in sorted(cycles))
