"""The Jupyter notebooks (notebooks/es/ and notebooks/en/): stored without outputs, the same code in both
languages, Markdown that follows the glossary, and every one run from top to bottom in a real kernel of this
virtual environment (nbclient) on tiny inputs, the way papermill injects parameters."""
import ast
import io
import os
import sys
import tokenize
from pathlib import Path

import pytest
from django.conf import settings

from eduai.glossary import markdown_problems

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(settings.BASE_DIR)
NOTEBOOKS = ROOT / "notebooks"
# chapter -> (Spanish file, English file)
PAIRS = {
    "01": ("01-analizar-una-foto.ipynb", "01-analyze-a-photo.ipynb"),
    "02": ("02-entrenar-la-cnn.ipynb", "02-train-the-cnn.ipynb"),
    "03": ("03-podar-cuantizar-exportar.ipynb", "03-prune-quantize-export.ipynb"),
    "04": ("04-curva-de-aprendizaje.ipynb", "04-learning-curve.ipynb"),
}
# Each overridden name must already be a parameter: a renamed parameter would otherwise run at full size.
TINY = {
    "01": {"SHARED_PHOTOS": 1},
    "02": {"PHOTOS_PER_CATEGORY": 8, "EPOCHS": 2, "IMAGE_SIZE": 64},
    "03": {"PHOTOS_PER_CATEGORY": 8, "EPOCHS": 1, "IMAGE_SIZE": 64, "PRUNE_EPOCHS": 2},
    "04": {"PHOTOS_PER_CATEGORY": 20, "SIZES": (10, 20), "SEEDS": 2},
}
# What each notebook prints when it did its job (not only "no cell failed").
PRINTS = {
    "01": ["answer: cat", "tags_agree: True"],  # scikit-image's Chelsea is a cat
    "02": ["kept_epoch:", "test accuracy:"],
    "03": ["'passed': True", "model_int8.tflite"],
    "04": ["pool_accuracy", "labels_needed:"],
}
# 01 analyses scikit-image's cat, and the shared photos only when they are there
NEEDS_SHARED_PHOTOS = {"02", "03", "04"}
NEEDS_PRETRAINED = {"01", "04"}
USES_TENSORFLOW = {"02", "03"}
CELL_TIMEOUT_S = 600


def paths() -> list[tuple[str, str, Path]]:
    return [(chapter, language, NOTEBOOKS / language / name)
            for chapter, names in PAIRS.items() for language, name in zip(("es", "en"), names)]


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def parameters_cell(notebook):
    return next(cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", []))


def code_without_comments(source: str) -> list[str]:
    """The code's lines with comments and blank lines removed (tokenize: a "#" inside a string stays)."""
    tokens = [token for token in tokenize.generate_tokens(io.StringIO(source).readline)
              if token.type != tokenize.COMMENT]
    return [line.rstrip() for line in tokenize.untokenize(tokens).splitlines() if line.strip()]


def test_every_notebook_exists_in_both_languages_and_nothing_else_is_there():
    found = sorted(path.relative_to(NOTEBOOKS).as_posix() for path in NOTEBOOKS.rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in path.parts)
    assert found == sorted(f"{language}/{path.name}" for _chapter, language, path in paths())


@pytest.mark.parametrize("path", [path for _chapter, _language, path in paths()], ids=lambda path: path.name)
def test_notebook_is_stored_clean_with_the_python3_kernel(path):
    notebook = read(path)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} is stored with outputs"
    parameters = parameters_cell(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert parameters in code_cells[:2], "the parameters cell is at the top"
    assert all(isinstance(node, ast.Assign) for node in ast.parse(parameters.source).body), \
        "the parameters cell holds only assignments (papermill and the tests add a cell after it)"


@pytest.mark.parametrize("chapter", PAIRS)
def test_spanish_and_english_notebooks_have_the_same_code(chapter):
    spanish, english = (read(NOTEBOOKS / language / name)
                        for language, name in zip(("es", "en"), PAIRS[chapter]))
    assert [cell.cell_type for cell in spanish.cells] == [cell.cell_type for cell in english.cells]
    for index, (es_cell, en_cell) in enumerate(zip(spanish.cells, english.cells)):
        if es_cell.cell_type == "code":
            assert code_without_comments(es_cell.source) == code_without_comments(en_cell.source), \
                f"code cell {index} of chapter {chapter} differs between es and en"
            assert es_cell.metadata.get("tags", []) == en_cell.metadata.get("tags", [])


@pytest.mark.parametrize("chapter", PAIRS)
def test_tiny_values_override_existing_parameters(chapter):
    for language, name in zip(("es", "en"), PAIRS[chapter]):
        cell = parameters_cell(read(NOTEBOOKS / language / name))
        assigned = {target.id for node in ast.parse(cell.source).body for target in node.targets}
        assert set(TINY[chapter]) <= assigned


def test_notebooks_and_the_guide_use_only_the_glossarys_words():
    texts = {path.name: "\n\n".join(cell.source for cell in read(path).cells if cell.cell_type == "markdown")
             for _chapter, _language, path in paths()}
    for path in [NOTEBOOKS / "README.md", *sorted((ROOT / "docs" / "guide").glob("*.md"))]:
        texts[path.relative_to(ROOT).as_posix()] = path.read_text("utf-8")
    failures = [f"{name}:{line}: {problem}"
                for name, text in texts.items() for line, problem in markdown_problems(text)]
    assert not failures, "\n".join(failures)


def run_notebook(path: Path, overrides: dict, data_dir: Path):
    """Execute a copy of the notebook with a cell of tiny values after its parameters cell; return it run."""
    notebook = read(path)
    position = notebook.cells.index(parameters_cell(notebook)) + 1
    notebook.cells.insert(position, nbformat.v4.new_code_cell(
        "\n".join(f"{name} = {value!r}" for name, value in overrides.items())))
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    environment = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
                   "DJANGO_SETTINGS_MODULE": "eduai.settings", "EDUAI_DATA_DIR": str(data_dir),
                   "EDUAI_MODELS_DIR": str(settings.MODELS_DIR),
                   "EDUAI_SHARED_DATASETS": str(settings.SHARED_DATASETS_DIR)}
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=environment)  # CellExecutionError, with the cell and its traceback, when a cell fails
    return notebook


def printed(notebook) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs if output.output_type == "stream" and output.name == "stdout")


@pytest.mark.parametrize("chapter,language,path", [
    pytest.param(chapter, language, path, id=path.stem,
                 marks=[pytest.mark.tensorflow] if chapter in USES_TENSORFLOW else [])
    for chapter, language, path in paths()])
def test_notebook_runs_from_top_to_bottom_on_tiny_inputs(chapter, language, path, request, tmp_path):
    if chapter in NEEDS_SHARED_PHOTOS:
        request.getfixturevalue("datasets_dir")  # skips, saying where it looked, when the photos are missing
    if chapter in NEEDS_PRETRAINED:
        request.getfixturevalue("model_folder")
    notebook = run_notebook(path, TINY[chapter], tmp_path / "data")
    output = printed(notebook)
    for expected in PRINTS[chapter]:
        assert expected in output, f"{path.name} did not print {expected!r}"
    kernel_python = output.rstrip().splitlines()[-1]
    assert kernel_python == sys.executable, "the kernel runs this virtual environment's Python"
