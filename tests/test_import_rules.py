"""The import rules of the layout, read from the code's own imports (no module is run):

- the pure modules (the model core, the Keras pipeline, the algorithm modules of other apps) import
  no Django, not even inside a function, so a notebook or a cloud job can use them unchanged;
- nothing the web process imports at module level pulls in TensorFlow (tests/test_web_process.py
  checks the same in a real process).
"""
import ast
from functools import lru_cache
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("eduai", "classifier", "labeling", "lessons", "training", "ml_models")
PURE = ["ml_models/core", "training/pipeline", "labeling/agreement.py", "labeling/ordering.py",
        "labeling/learning_curve.py"]
DJANGO = ("django", "rest_framework", "drf_spectacular", "celery", "kombu")
TENSORFLOW = ("tensorflow", "tf_keras", "keras", "tf2onnx", "tensorflow_model_optimization", "ai_edge_litert")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=None)
def modules() -> dict[str, Path]:
    return {module_name(path): path for app in APPS for path in (ROOT / app).rglob("*.py")
            if "migrations" not in path.parts}


@lru_cache(maxsize=None)
def imports(name: str, *, top_level_only: bool) -> frozenset[str]:
    """Modules `name` imports (every import, or only those run when it is imported)."""
    tree = ast.parse(modules()[name].read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, (ast.If, ast.Try)) and top_level_only:
            found |= {alias.name for inner in ast.walk(node) if isinstance(inner, ast.Import) for alias in inner.names}
    return frozenset(found)


def closure(start: str, *, top_level_only: bool) -> dict[str, str]:
    """{external module: the project module importing it} reachable from `start` through project modules."""
    seen, external, todo = set(), {}, [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for imported in imports(name, top_level_only=top_level_only):
            if imported in modules():
                todo.append(imported)
            elif imported.split(".")[0] not in APPS:
                external.setdefault(imported.split(".")[0], name)
    return external


def pure_modules() -> list[str]:
    names = []
    for entry in PURE:
        path = ROOT / entry
        names += [module_name(p) for p in (path.rglob("*.py") if path.is_dir() else [path])]
    return sorted(names)


@pytest.mark.parametrize("name", pure_modules())
def test_pure_modules_import_no_django(name):
    reached = closure(name, top_level_only=False)
    offending = {package: via for package, via in reached.items() if package in DJANGO}
    assert offending == {}, f"{name} reaches {offending} (package: the module importing it)"


@pytest.mark.parametrize("name", [name for name in pure_modules() if name.startswith("ml_models.core")])
def test_the_model_core_imports_no_tensorflow_either(name):
    """The web process and the browser-side code share the core: it runs on ONNX Runtime and numpy."""
    reached = closure(name, top_level_only=False)
    assert {package for package in reached if package in TENSORFLOW} == set()


WEB_ENTRY_POINTS = ["eduai.urls", "eduai.wsgi", "eduai.settings", "eduai.middleware",
                    *(f"{app}.{part}" for app in APPS for part in ("models", "admin", "apps")
                      if f"{app}.{part}" in modules())]


@pytest.mark.parametrize("name", WEB_ENTRY_POINTS)
def test_nothing_the_web_process_imports_pulls_in_tensorflow(name):
    reached = closure(name, top_level_only=True)
    offending = {package: via for package, via in reached.items() if package in TENSORFLOW}
    assert offending == {}, f"{name} reaches {offending} when imported"


def test_the_rules_would_catch_a_violation(tmp_path, monkeypatch):
    """The checker itself: a pure module that imports Django, or a view importing TensorFlow, is found."""
    fake = {"ml_models.core.fake": "from ml_models.core import contract\nimport django.db\n",
            "classifier.fake_view": "import numpy\nfrom ml_models.networks import lite0\n"}
    real = modules()
    files = {}
    for name, source in fake.items():
        files[name] = tmp_path / f"{name}.py"
        files[name].write_text(source)
    monkeypatch.setattr("tests.test_import_rules.modules", lambda: {**real, **files})
    imports.cache_clear()
    try:
        assert closure("ml_models.core.fake", top_level_only=False)["django"] == "ml_models.core.fake"
        assert closure("classifier.fake_view", top_level_only=True)["tensorflow"] == "ml_models.networks.lite0"
    finally:
        imports.cache_clear()
