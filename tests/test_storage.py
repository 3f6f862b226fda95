"""The storage seam holds: outside server/storage, no module sees SQL, SQLite or a file's path."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from server.settings import PROJECT_ROOT

SERVER = PROJECT_ROOT / "server"
STORAGE = SERVER / "storage"
_SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+TABLE|PRAGMA)\b",
    re.S,
)


def outside_storage() -> list[Path]:
    return [p for p in sorted(SERVER.rglob("*.py")) if STORAGE not in p.parents]


def test_no_module_outside_storage_imports_sqlite_or_writes_sql() -> None:
    found = []
    for path in outside_storage():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                found += [
                    f"{path.name}: imports {n}" for n in names if n.split(".")[0] == "sqlite3"
                ]
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _SQL.search(node.value)
            ):
                found.append(f"{path.name}:{node.lineno}: SQL {node.value[:40]!r}")
    assert found == []


def test_no_module_outside_storage_asks_where_a_stored_file_is() -> None:
    found = []
    for path in outside_storage():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("path_for", "root")
                and _is_store(node.value)
            ):
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert found == []


def _is_store(node: ast.expr) -> bool:
    """`store.…`, `self.store.…`, `publisher.store.…`, `files.…`: the guide-file store."""
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name in ("store", "files", "blobs")
