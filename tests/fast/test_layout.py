"""The package's rooms: each subpackage imports only from the rooms below it, and no module
imports another in a circle (a newcomer reads the folders top-down, as the pipeline runs)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import companion

PACKAGE = Path(companion.__file__).parent
ROOT = PACKAGE.parent

# Lowest first. A module may import its own room and any lower one, never a higher one.
ROOMS = [
    {
        "errors",
        "options",
        "safety",
        "timefmt",
        "textfiles",
        "interrupts",
        "paths",
        "modes",
        "atomic",
        "process",
        "cache",
        "version",
        "printable",
    },
    {"dsp"},
    {"plan"},
    {"people"},
    {"sound"},
    {"voice"},
    {"output", "journal"},
    {"pictures"},
    {"choices"},
    {"session"},
    {"live"},
    {"pack"},
    {"__init__"},  # the public API: the library's names for every caller, the front ends too
    {"app"},
    {"cli"},
    {"__main__"},
]
RANK = {room: rank for rank, rooms in enumerate(ROOMS) for room in rooms}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "_builtin" not in p.parts}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The companion modules a file imports at any depth (lazy imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "companion":
            base = node.module.removeprefix("companion").lstrip(".")
            for alias in node.names:
                sub = f"{base}.{alias.name}" if base else alias.name
                if sub in known or f"{sub}.__init__" in known:
                    found.add(sub)
                elif base:
                    found.add(base)
                else:
                    found.add("__init__")
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; write 'from companion.X import ...'")
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("companion.") for a in node.names if a.name.startswith("companion.")}
    return found


def room(module: str) -> str:
    return module.split(".")[0]


def test_every_module_is_in_a_room():
    assert {room(m) for m in modules()} <= set(RANK), "a new top-level module: give it a room in ROOMS"


MAX_LINES = 400  # a module a newcomer can read at one sitting; past it, it holds two things


def test_every_module_is_short_enough_to_read_at_one_sitting():
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these (lines): {long}"


def test_imports_run_downward_only():
    mods = modules()
    upward = []
    for name, path in mods.items():
        for target in imports_of(path, set(mods)):
            if RANK[room(target)] > RANK[room(name)]:
                upward.append(f"{name} imports {target}")
    assert not upward, "imports that run upward:\n" + "\n".join(upward)


def test_voice_and_sound_stand_side_by_side_on_dsp():
    """voice/ makes the clips and sound/ mixes them: neither imports the other (a clip reaches
    the renderer as a function); the signal helpers both need live in dsp/, below both."""
    mods = modules()
    crossing = [
        f"{name} imports {target}"
        for name, path in mods.items()
        for target in imports_of(path, set(mods))
        if {room(name), room(target)} == {"sound", "voice"}
    ]
    assert not crossing, "voice and sound reach into each other:\n" + "\n".join(crossing)


def test_no_import_circles():
    mods = modules()
    graph = {
        name: {t for t in imports_of(path, set(mods)) if t in mods or f"{t}.__init__" in mods}
        for name, path in mods.items()
    }
    graph = {n: {t if t in mods else f"{t}.__init__" for t in ts} - {n} for n, ts in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state and name != "__init__" and (cycle := visit(name)):
            raise AssertionError("an import circle: " + " -> ".join(cycle))


def test_each_room_says_what_it_holds_and_may_import():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc) > 80 and re.search(r"\bimports?\b", doc), f"{init}: say what it holds and may import"


def readme_map() -> dict[str | None, set[str]]:
    """The development page's map of the code: the file names it shows in each room (None: the top)."""
    readme = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = readme[readme.index("<!-- code map -->") : readme.index("<!-- end of code map -->")]
    rooms: dict[str | None, set[str]] = {None: set()}
    room: str | None = None
    for line in block.splitlines():
        if m := re.match(r"^  ([a-z_]+)/\s", line):
            room = m.group(1)
        elif re.match(r"^  [a-z_]+\.py", line):
            room = None  # a top-level module's line
        names = set(re.findall(r"\b([a-z_]+\.py)\b", line))
        rooms.setdefault(room, set()).update(names)
    return rooms


def test_the_readme_map_names_every_module_and_only_those():
    shown = readme_map()
    on_disk: dict[str | None, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if "_builtin" in parts or (path.name == "__init__.py" and len(parts) > 1):
            continue
        on_disk.setdefault(parts[0] if len(parts) > 1 else None, set()).add(path.name)
    assert set(shown) == set(on_disk), "rooms in the map differ from the package's folders"
    for room, names in on_disk.items():
        assert names - shown[room] == set(), f"the map's {room or 'top level'} leaves out {names - shown[room]}"
        assert shown[room] - names == set(), f"the map's {room or 'top level'} names {shown[room] - names}: not there"


def _interruptible(with_node: ast.With) -> bool:
    return any(ast.unparse(item.context_expr) == "interrupts.interruptible()" for item in with_node.items)


def test_nothing_is_imported_where_a_signal_raises_at_once():
    """Inside `interrupts.interruptible()` the handler raises wherever it lands: an import
    there could be broken part-way (soxr's set-up then aborts the whole process)."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for w in ast.walk(tree):
            if isinstance(w, ast.With) and _interruptible(w):
                imports = [n for n in ast.walk(w) if isinstance(n, (ast.Import, ast.ImportFrom))]
                assert not imports, f"{path}:{w.lineno}: import before 'with interrupts.interruptible():'"


FRONT_ENDS = {"cli", "app"}  # the rooms that may name a command or a flag: they word the library for a person
COMMAND_WORDS = re.compile(
    r"\bcompanion (app|devices|journal|pack|plan|play|render|scripts|today|voice)\b|(?<![\w-])--[a-z]"
)


def test_library_strings_name_no_command_and_no_flag():
    """A library message is shown by every front end (a web page too): it names no command
    and no flag; the front ends add their own words (docstrings and comments may)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] in FRONT_ENDS or "_builtin" in parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if COMMAND_WORDS.search(node.value):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value[:80]!r}")
    assert not found, "library strings that name a command or flag:\n" + "\n".join(found)


def test_owner_only_modes_are_written_in_one_place():
    """0o700 and 0o600 live in paths.py (OWNER_ONLY_DIR, OWNER_ONLY_FILE, owner_only): one
    rule for what is the user's alone, not a number typed again in every module."""
    for path in PACKAGE.rglob("*.py"):
        if path.name != "paths.py" or path.parent != PACKAGE:
            text = path.read_text(encoding="utf-8")
            assert "0o700" not in text and "0o600" not in text, path


# -- the public-API line: the front ends use the library as any caller would ------------------


def _own_rooms(front_end: str) -> tuple[str, ...]:
    """A front end's own modules; the command line's `companion app` starts the app's server."""
    return ("app", "cli") if front_end == "cli" else ("app",)


def test_front_ends_import_only_the_public_api_and_their_own_modules():
    """companion/cli and companion/app import names from `companion` (its __all__) and modules
    of their own room: what a front end needs of the library is the library's to offer, under a
    public name (companion/__init__.py), not reached for inside it."""
    public = set(companion.__all__) | {"__version__"}
    found = []
    for front_end in sorted(FRONT_ENDS):
        own = _own_rooms(front_end)
        for path in sorted((PACKAGE / front_end).rglob("*.py")):
            where = path.relative_to(PACKAGE)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "companion":
                    found += [
                        f"{where}:{node.lineno}: {a.name} is not public" for a in node.names if a.name not in public
                    ]
                elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("companion."):
                    if node.module.split(".")[1] not in own:
                        found.append(f"{where}:{node.lineno}: from {node.module} import ...")
                elif isinstance(node, ast.Import):
                    for a in node.names:
                        if a.name.startswith("companion.") and a.name.split(".")[1] not in own:
                            found.append(f"{where}:{node.lineno}: import {a.name}")
    assert not found, "front ends reaching past the public API:\n" + "\n".join(found)


def test_the_public_names_are_declared_alike_for_callers_and_checkers():
    """companion/__init__.py names each public name three times (the lazy table, the type
    checkers' imports, __all__): the three agree, and each name is what the table says."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    checked = {
        (alias.asname or alias.name)
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for imp in node.body
        if isinstance(imp, ast.ImportFrom)
        for alias in imp.names
    }
    declared = set(companion._EXPORTS) | companion._SUBMODULES
    assert checked == declared, f"only in one: {sorted(checked ^ declared)}"
    assert sorted(companion.__all__) == sorted(declared)
    for name, where in companion._EXPORTS.items():
        module, _, attr = where.partition(":")
        assert getattr(companion, name) is getattr(importlib.import_module(module), attr or name), name
