"""The glossary: one word per concept. Both catalogues and the course files use only the glossary's words,
every "?" names a real term, and the glossary page shows every term in both languages."""
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from eduai import glossary
from eduai.glossary import BY_KEY, TERMS, markdown_problems, spanish_problems, translation_problems

BASE = Path(settings.BASE_DIR)
LOCALE = BASE / "locale"
COURSE_GLOBS = ("lessons/course/**/*.md", "docs/course/**/*.md")


def catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def translations(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def course_files(base: Path) -> list[Path]:
    return sorted({path for pattern in COURSE_GLOBS for path in base.glob(pattern)})


# --- the scan


def test_spanish_catalogue_uses_only_the_glossarys_words():
    failures = [f"msgid {entry.msgid!r}\n    msgstr {text!r}\n    {problem}"
                for entry in catalogue("es") if not entry.obsolete and entry.msgid
                for text in translations(entry) if text
                for problem in translation_problems(entry.msgid, text)]
    assert not failures, f"{len(failures)} entries break the glossary (docs/glossary.md):\n" + "\n".join(failures)


def test_english_catalogue_is_the_msgids_themselves():
    different = [entry.msgid for entry in catalogue("en") if not entry.obsolete and entry.msgid
                 and any(text and text not in (entry.msgid, entry.msgid_plural) for text in translations(entry))]
    assert different == [], ("the English catalogue must repeat its msgids (fix the msgid instead):\n"
                             + "\n".join(different))


def test_course_files_use_only_the_glossarys_words():
    failures = [f"{path.relative_to(BASE)}:{line}: {problem}"
                for path in course_files(BASE) for line, problem in markdown_problems(path.read_text("utf-8"))]
    assert not failures, "course files break the glossary (docs/glossary.md):\n" + "\n".join(failures)


def test_course_files_are_found_wherever_the_course_puts_them(tmp_path):
    (tmp_path / "lessons/course/es/01").mkdir(parents=True)
    (tmp_path / "docs/course").mkdir(parents=True)
    spanish = tmp_path / "lessons/course/es/01/lesson.md"
    spanish.write_text("# Lección\n\nLa precisión del modelo es la proporción de fotos que acierta, y se mide en "
                       "el conjunto de prueba.\n\n```python\nprint('precisión')\n```\n", "utf-8")
    english = tmp_path / "docs/course/intro.md"
    english.write_text("The ImageNet model answers cat or dog by zero-shot, and this is the way it works.\n", "utf-8")
    assert course_files(tmp_path) == sorted([spanish, english])
    assert [line for line, _problem in markdown_problems(spanish.read_text("utf-8"))] == [3]
    assert "zero-shot" in markdown_problems(english.read_text("utf-8"))[0][1]


@pytest.mark.parametrize(("msgid", "msgstr", "expected"), [
    ("Test accuracy", "Precisión en prueba", "exactitud"),
    ("tags", "etiquetas", "descriptor"),
    ("Skipped.", "Omitida.", "saltar"),
    ("± one standard deviation", "± una desviación típica", "desviación estándar"),
    ("Dropout", "Dropout", "desactivación aleatoria"),
    ("computing embeddings", "calculando embeddings", "vector de características"),
    ("Unusual threshold %(threshold)s", "Umbral de inusual %(threshold)s", "umbral de rareza"),
    ("Per class", "Por clase", "categoría"),
    ("Try again.", "Inténtelo de nuevo.", "tú"),
    ("You can try again.", "Podéis volver a intentarlo.", "tú"),
    ("Take the next one.", "Coge la siguiente.", "tomar"),
    ("Your computer", "Tu ordenador", "equipo"),
    ("labelers", "quienes etiquetan", "etiquetador"),
])
def test_scan_names_the_word_to_use(msgid, msgstr, expected):
    problems = translation_problems(msgid, msgstr)
    assert problems and any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(("msgid", "msgstr"), [
    ("precision", "precisión"),
    ("Dropout", "Desactivación aleatoria (dropout)"),
    ("Small CNN trained from scratch", "Red convolucional (CNN) pequeña entrenada desde cero"),
    ("unknown label (cat, dog or neither)", "etiqueta desconocida (en el archivo: «cat», «dog» o «neither», es decir, "
                                            "gato, perro o ninguno)"),
    ("Start one with make run (or: celery -A eduai worker).",
     "Arranca un proceso de fondo con make run (o: celery -A eduai worker)."),
    ("calibrating the unusual threshold", "calibrando el umbral de rareza"),
    ("The label for a picture that shows neither a cat nor a dog.",
     "La etiqueta de una imagen que no muestra ni un gato ni un perro."),
    ("It is worth it.", "Vale la pena."),
])
def test_scan_accepts_the_glossarys_words(msgid, msgstr):
    assert translation_problems(msgid, msgstr) == []


def test_a_spanish_paragraph_may_say_precision_only_beside_recall():
    assert spanish_problems("La precisión y la exhaustividad de cada categoría.", context="La precisión y la "
                            "exhaustividad de cada categoría.") == []
    assert spanish_problems("La precisión del modelo en prueba.", context="La precisión del modelo en prueba.")


# --- the terms


def test_every_explain_tag_names_a_term():
    used = {(path.relative_to(BASE), key) for path in (BASE / "templates").rglob("*.html")
            for key in re.findall(r"{%\s*explain\s+[\"']([^\"']+)[\"']", path.read_text("utf-8"))}
    unknown = sorted(f"{path}: {key}" for path, key in used if key not in BY_KEY)
    assert unknown == [], "{% explain %} names no term of eduai/glossary.py:\n" + "\n".join(unknown)


def test_keys_and_words_are_unique():
    for attribute in ("key", "en", "es"):
        values = [getattr(term, attribute).casefold() for term in TERMS]
        assert sorted({value for value in values if values.count(value) > 1}) == [], attribute
    for term in TERMS:
        assert re.fullmatch(r"[a-z0-9-]+", term.key), term.key


def test_every_term_has_a_short_explanation_in_english():
    with translation.override("en"):
        for term in TERMS:
            text = str(term.explanation)
            assert 20 < len(text) < 400, term.key
            assert len(re.findall(r"[.!?](\s|$)", text)) <= 3, term.key


def test_docs_glossary_lists_every_term_with_both_words():
    docs = (BASE / "docs" / "glossary.md").read_text("utf-8")
    rows = [line for line in docs.splitlines() if line.startswith("|")]
    missing = [f"| {term.en} | {term.es} |" for term in TERMS
               if not any(line.startswith(f"| {term.en} | {term.es} |") for line in rows)]
    assert missing == [], ("docs/glossary.md lacks these terms; regenerate its table with `python manage.py shell "
                           "-c \"from eduai.glossary import markdown_table; print(markdown_table())\"`:\n"
                           + "\n".join(missing))


# --- the page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "en"])
def test_glossary_page_shows_every_term_sorted_with_its_anchor(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/glossary/").content.decode()
    with translation.override(language):
        names = {term.key: term.name for term in TERMS}
        expected_order = [term.key for term in sorted(TERMS, key=glossary.sort_key)]
    positions = {}
    for term in TERMS:
        anchor = re.search(rf'<dt id="{re.escape(term.key)}"[^>]*>.*?</dt>', html, re.DOTALL)
        assert anchor, term.key
        assert names[term.key] in anchor.group(0) and (term.en if language == "es" else term.es) in anchor.group(0)
        positions[term.key] = anchor.start()
    assert sorted(positions, key=positions.get) == expected_order
    if language == "en":
        with translation.override("en"):
            from django.utils.html import escape
            assert all(escape(str(term.explanation)) in html for term in TERMS)


def test_explain_links_the_popover_to_the_glossary_anchor():
    from django.template import Context, Template

    with translation.override("en"):
        html = Template('{% load glossary %}{% explain "accuracy" %}').render(Context())
    assert 'data-term="accuracy"' in html and "/glossary/#accuracy" in html and 'data-bs-title="accuracy"' in html


def test_where_a_link_points_is_not_read_as_words():
    assert markdown_problems("Mira el [conjunto de prueba](/glossary/#test-split) de la clase y sus etiquetas.") == []
    assert markdown_problems("Abre [la página](/lessons/labeling/) y mira las etiquetas de la clase.") == []
    assert markdown_problems("Lo viste en el capítulo 2 (/lessons/labeling/) con la clase y sus etiquetas.") != []


def test_a_code_span_right_after_a_bracket_stays_code():
    assert markdown_problems("Léelo en(`labeling/selectors.py`) y en `dataset` de la clase, con sus etiquetas.") == []
    assert markdown_problems("Léelo en el dataset de la clase, con sus etiquetas y su profesorado.") != []
