"""Both catalogues are complete and their compiled .mo files match the .po sources."""
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.mark.parametrize("language", ["es", "en"])
def test_catalogue_is_complete_and_compiled(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 50
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))}
    assert {entry.msgid: entry.msgstr for entry in po.translated_entries()} == {k: v for k, v in compiled.items() if k}


def test_spanish_placeholders_match_english():
    import re

    po = polib.pofile(str(LOCALE / "es" / "LC_MESSAGES" / "django.po"))
    placeholder = re.compile(r"%\(\w+\)[.\d]*[sdf]")
    for entry in po.translated_entries():
        assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(entry.msgstr)), entry.msgid
