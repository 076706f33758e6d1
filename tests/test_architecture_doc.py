"""docs/architecture.md names only what exists, and the code's references into it resolve.

Every `path/to/file` in back quotes must exist in the repository, and every
`jdoffice.module.name` (a module, or a name defined in one, or a method of a class there)
must be found in the source. The names are looked up in the files' syntax trees, so nothing
is imported and the check takes milliseconds.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"

_CODE = re.compile(r"`([^`\n]+)`")
_PATH = re.compile(
    r"^[\w.-]+(?:/[\w.-]+)*/$|^[\w.-]+(?:/[\w.-]+)+$|^[\w-]+\.(?:py|toml|md|ui|lock)$"
)
_DOTTED = re.compile(r"^jdoffice(?:\.\w+)+$")
#: How the code points into the document: docs/architecture.md, "Section".
_REFERENCE = re.compile(r'docs/architecture\.md, "([^"]+)"')


def _quoted(text: str) -> list[str]:
    return _CODE.findall(text)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _module_file(parts: list[str]) -> Path | None:
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _defined(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """The names a module or class body defines (functions, classes, assignments)."""
    names: dict[str, ast.AST] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def resolves(dotted: str) -> bool:
    """Whether ``jdoffice.a.b.Name.method`` is a module, or names something defined in one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        path = _module_file(parts[:cut])
        if path is None:
            continue
        node: ast.AST = _tree(path)
        for name in parts[cut:]:
            body = getattr(node, "body", None)
            if not isinstance(body, list):
                return False
            found = _defined(body).get(name)
            if found is None:
                return False
            node = found
        return True
    return False


def _headings() -> set[str]:
    return {
        line.lstrip("#").strip()
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


def test_every_file_the_architecture_page_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(
        {
            p
            for p in _quoted(text)
            if _PATH.match(p) and not p.startswith("/") and not (ROOT / p).exists()
        }
    )
    assert not missing, f"{DOC.name} names files that do not exist: {missing}"


def test_every_jdoffice_name_on_the_architecture_page_is_defined() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = {n for n in _quoted(text) if _DOTTED.match(n)}
    assert names, "the page names no jdoffice module or function"
    unknown = sorted(n for n in names if not resolves(n))
    assert not unknown, f"{DOC.name} names what the code does not define: {unknown}"


def test_the_checker_sees_a_name_that_is_gone() -> None:
    assert resolves("jdoffice.services.payments.apply_payment")
    assert resolves("jdoffice.adapters.repos.receipts.SqlReceipts.next_number")
    assert resolves("jdoffice.gateways")
    assert not resolves("jdoffice.services.payments.no_such_function")
    assert not resolves("jdoffice.adapters.repos.receipts.SqlReceipts.no_such_method")


def test_the_code_points_at_sections_that_exist() -> None:
    headings = _headings()
    wrong: list[str] = []
    for path in sorted((ROOT / "jdoffice").rglob("*.py")):
        for section in _REFERENCE.findall(path.read_text(encoding="utf-8")):
            if section not in headings:
                wrong.append(f"{path.relative_to(ROOT)}: {section!r}")
    assert not wrong, f"references to sections {DOC.name} does not have: {wrong}"
