"""The layers hold: benchmarks → local → infra → functions, no import runs back up, no module circles.

Every import counts, lazy ones inside functions and `TYPE_CHECKING` ones included: a circle that
only closes at run time is still a circle for the reader.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("functions", "infra", "local", "benchmarks")
# What each layer may import from the project (itself included); anything else is a layer violation.
MAY_IMPORT = {
    "functions": {"functions"},
    "infra": {"infra", "functions"},
    "local": {"local", "infra", "functions"},
    "benchmarks": {"benchmarks", "local", "infra", "functions"},
}
# The Lambda asset ships functions/ with its runtime dependencies only.
RUNTIME_FORBIDDEN = ("aws_cdk", "constructs", "cdk_nag", "moto", "jsii", "pytest", "hypothesis")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import module` imports the module; `from module import name`, the module
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                names.add(submodule if submodule in modules() else base)
    return names


def project_imports(name: str) -> set[str]:
    """The project modules `name` imports."""
    known = modules()
    return {imported for imported in _imported_names(known[name]) if imported in known and imported != name}


def test_every_layer_imports_only_downwards():
    violations = [
        f"{name} imports {imported}"
        for name in modules()
        for imported in project_imports(name)
        if imported.split(".")[0] not in MAY_IMPORT[name.split(".")[0]]
    ]
    assert violations == []


@pytest.mark.parametrize("forbidden", RUNTIME_FORBIDDEN)
def test_the_lambda_code_never_imports_build_or_emulator_packages(forbidden: str):
    offenders = [
        name
        for name, path in modules().items()
        if name.startswith("functions")
        and any(imported.split(".")[0] == forbidden for imported in _imported_names(path))
    ]
    assert offenders == []


def _cycles() -> list[list[str]]:
    graph = {name: sorted(project_imports(name)) for name in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    return found


def test_no_two_modules_import_each_other_even_lazily():
    assert _cycles() == []


def test_the_circle_check_sees_a_lazy_import(tmp_path, monkeypatch):
    # Given two modules that import each other, one of them only inside a function
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "a.py").write_text("from local.b import thing\n")
    (tmp_path / "local" / "b.py").write_text("def thing():\n    from local.a import other\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGES", ("local",))
    modules.cache_clear()
    try:
        # Then the check finds the circle
        assert _cycles() == [["local.a", "local.b"]]
    finally:
        modules.cache_clear()


# The local graph renderer stands in for CloudWatch's GetMetricWidgetImage; in the Lambda asset it
# would draw graphs from no data at all. The layer rule above forbids every `local` import already:
# this names the bridge and its drawing modules so the failure says what went wrong.
METRIC_IMAGE_BRIDGE = ("local.metric_image", "local.metric_chart", "local.raster")


def _bridge_importers() -> list[str]:
    return [
        f"{name} imports {imported}"
        for name, path in modules().items()
        if name.startswith("functions")
        for imported in sorted(_imported_names(path))
        if imported in METRIC_IMAGE_BRIDGE or imported.startswith(tuple(f"{m}." for m in METRIC_IMAGE_BRIDGE))
    ]


def test_no_lambda_module_imports_the_metric_image_bridge():
    assert _bridge_importers() == []


def test_the_bridge_check_sees_a_lazy_from_import(tmp_path, monkeypatch):
    # Given a Lambda module that reaches the bridge inside a function, as `from local import ...`
    (tmp_path / "functions").mkdir()
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "metric_image.py").write_text("def render():\n    pass\n")
    (tmp_path / "functions" / "graph.py").write_text("def draw():\n    from local import metric_image\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGES", ("functions", "local"))
    modules.cache_clear()
    try:
        # Then the check names it
        assert _bridge_importers() == ["functions.graph imports local.metric_image"]
    finally:
        modules.cache_clear()
