"""The architecture, drawn from the code's own imports: seven floors, arrows only downward.

A room is a top-level module or subpackage of ``recsum``; an arrow is any import of another
room (at module level or inside a function) or a ``"recsum.module:attribute"`` factory string.
"""

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "recsum"

# The floors README's diagram shows; a room may import only rooms on lower floors.
FLOORS = {
    "errors": 1, "tokens": 1, "quirks": 1, "records": 1, "resources": 1, "progress": 1,
    "segment": 2, "length": 2, "config": 2, "formats": 2, "weights": 2, "centrality": 2,
    "clean": 3, "select": 3, "chunk": 3, "textio": 3,
    "summarizers": 4, "oracle": 4, "evaluation": 4,
    "reduce": 5, "baselines": 5,
    "api": 6, "web": 6, "experiments": 6, "training": 6,
    "cli": 7,
}
CORE = ("segment", "clean", "chunk", "select", "reduce", "summarizers")
OUTSIDE_THE_CORE = ("training", "evaluation", "experiments", "web", "cli")
_FACTORY = re.compile(r"""["'](recsum\.[\w.]+):[\w.]+["']""")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> set[str]:
    """Every ``recsum`` module that ``path`` names in an import or a factory string."""
    source = path.read_text(encoding="utf-8")
    names = set(_FACTORY.findall(source))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                module = _module_name(path)
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "recsum" or name.startswith("recsum.")}


@cache
def _modules() -> dict[str, set[str]]:
    """Module -> the recsum modules it imports (names that are attributes are dropped)."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        targets = set()
        for target in _imported(path):
            while target not in paths and "." in target:
                target = target.rpartition(".")[0]
            if target in paths and target not in (name, "recsum"):
                targets.add(target)
        graph[name] = targets
    return graph


def _room(module: str) -> str:
    return module.split(".")[1]


@cache
def _rooms() -> dict[str, set[str]]:
    arrows = defaultdict(set)
    for module, targets in _modules().items():
        if module == "recsum":
            continue
        arrows[_room(module)] |= {_room(t) for t in targets} - {_room(module)}
    return dict(arrows)


def _depth(room: str, graph: dict[str, set[str]], seen: tuple[str, ...] = ()) -> int:
    assert room not in seen, f"import cycle: {' -> '.join((*seen, room))}"
    return 1 + max((_depth(t, graph, (*seen, room)) for t in graph.get(room, ())), default=0)


def test_every_room_has_a_floor():
    assert set(_rooms()) | {"resources"} == set(FLOORS)


def test_the_rooms_stand_on_seven_floors():
    rooms = _rooms()
    assert max(_depth(room, rooms) for room in rooms) <= 7


def test_no_module_imports_itself_around_a_cycle():
    modules = _modules()
    for module in modules:
        _depth(module, modules)


@pytest.mark.parametrize("room", sorted(FLOORS))
def test_arrows_only_go_down(room):
    upward = {target for target in _rooms().get(room, ()) if FLOORS[target] >= FLOORS[room]}
    assert not upward, f"{room} (floor {FLOORS[room]}) imports {sorted(upward)}"


@pytest.mark.parametrize("room", CORE)
def test_the_core_imports_nothing_of_training_evaluation_experiments_web_or_cli(room):
    assert not _rooms().get(room, set()) & set(OUTSIDE_THE_CORE)


def test_an_upward_import_inside_a_function_is_seen(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from recsum.cli import main\n\nF = 'recsum.web.app:x'\n")
    assert {"recsum.cli", "recsum.cli.main", "recsum.web.app"} <= _imported(module)
