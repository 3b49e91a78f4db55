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
    def pairs(entries):
        return {entry.msgid: entry.msgstr_plural.get(0, entry.msgstr) if entry.msgid_plural else entry.msgstr
                for entry in entries if entry.msgid}

    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    assert pairs(po.translated_entries()) == pairs(compiled)


def test_spanish_placeholders_match_english():
    import re

    po = polib.pofile(str(LOCALE / "es" / "LC_MESSAGES" / "django.po"))
    placeholder = re.compile(r"%\(\w+\)[.\d]*[sdf]")
    for entry in po.translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(translation)), entry.msgid
