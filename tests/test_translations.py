"""Every interface string has a French translation.

The catalogue is extracted from the sources exactly as `make catalog` does (pybabel extract
with babel.cfg and the same keywords, into a temporary .pot), then compared with
app/translations/fr/LC_MESSAGES/messages.po: a message missing there, translated by an
empty string or still marked fuzzy fails the test, and the failure lists them all. Run
`make catalog`, translate the new entries, then compile.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
FRENCH_PO = Path("app/translations/fr/LC_MESSAGES/messages.po")
# The keywords of the Makefile's `catalog` target (pybabel adds gettext, ngettext, _… itself).
KEYWORDS = ("_l", "lazy_gettext")


def extract(root: Path, pot: Path) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    command = [str(pybabel)] if pybabel.exists() else [sys.executable, "-m", "babel.messages.frontend"]
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    subprocess.run([*command, "-q", "extract", "-F", "babel.cfg", *keywords, "-o", str(pot), "."],
                   cwd=root, check=True, capture_output=True, text=True, timeout=300)


def untranslated(root: Path, pot: Path) -> list[str]:
    """The msgids of the sources without a usable French translation, each with where it is used."""
    extract(root, pot)
    with pot.open("rb") as file:
        template = read_po(file)
    with (root / FRENCH_PO).open("rb") as file:
        french = read_po(file)
    missing = []
    for message in template:
        if not message.id:
            continue  # the header
        translated = french.get(message.id, message.context)
        strings = translated.string if translated is not None else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if translated is None or translated.fuzzy or not all(strings):
            why = "missing" if translated is None else ("fuzzy" if translated.fuzzy else "empty")
            where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            missing.append(f"[{why}] {msgid!r} ({where})")
    return missing


def test_every_interface_string_has_a_french_translation(tmp_path):
    missing = untranslated(ROOT, tmp_path / "messages.pot")
    assert not missing, (f"{len(missing)} interface string(s) without French translation in {FRENCH_PO} "
                         "(run `make catalog` and translate them):\n" + "\n".join(missing))


def test_the_check_sees_a_new_string_and_a_fuzzy_one(tmp_path):
    """The check itself: a string added to a copy of the sources, and a fuzzy entry, are reported."""
    import shutil

    copy = tmp_path / "copy"
    (copy / "app").mkdir(parents=True)
    shutil.copy(ROOT / "babel.cfg", copy / "babel.cfg")
    (copy / "app" / "module.py").write_text(
        'from flask_babel import gettext as _\nfrom flask_babel import lazy_gettext as _l\n'
        'A = _("Known string")\nB = _l("Brand new string")\nC = _("Doubtful string")\n', encoding="utf-8")
    po = copy / FRENCH_PO
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Known string"\nmsgstr "Chaîne connue"\n\n'
                  '#, fuzzy\nmsgid "Doubtful string"\nmsgstr "Chaîne douteuse"\n', encoding="utf-8")
    found = untranslated(copy, tmp_path / "copy.pot")
    assert [line.split(" (")[0] for line in found] == ["[missing] 'Brand new string'", "[fuzzy] 'Doubtful string'"]
