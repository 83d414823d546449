"""Markdown sections of a body (pure functions): what a section amendment targets."""

from __future__ import annotations

from app.deliberation.sections import find, parse_sections, splice

BODY = """Préambule sans titre.

# Bureaux

Intro des bureaux.

## Horaires

Le lundi.

## Budget

Mille euros.

# Budget

Le budget général.
"""


def texts(body):
    return [(s.position, s.level, s.heading, s.occurrence, s.text(body)) for s in parse_sections(body)]


def test_a_section_runs_to_the_next_heading_of_the_same_or_a_higher_level():
    assert texts(BODY) == [
        (1, 1, "Bureaux", 1,
         "# Bureaux\n\nIntro des bureaux.\n\n## Horaires\n\nLe lundi.\n\n## Budget\n\nMille euros."),
        (2, 2, "Horaires", 1, "## Horaires\n\nLe lundi."),
        (3, 2, "Budget", 1, "## Budget\n\nMille euros."),
        (4, 1, "Budget", 2, "# Budget\n\nLe budget général."),
    ]


def test_duplicate_headings_are_told_apart_by_their_occurrence():
    assert find(BODY, "Budget", 1).text(BODY) == "## Budget\n\nMille euros."
    assert find(BODY, "Budget", 2).text(BODY) == "# Budget\n\nLe budget général."
    assert find(BODY, "Budget", 3) is None
    assert find(BODY, "Absent", 1) is None


def test_headings_inside_fenced_code_blocks_are_not_headings():
    body = ("# Vrai\n\n```bash\n# un commentaire shell\n```\n\n~~~~\n## pas un titre\n~~~\n# toujours du code\n~~~~\n\n"
            "## Suite\n\nFin.")
    assert [s.heading for s in parse_sections(body)] == ["Vrai", "Suite"]
    assert parse_sections(body)[1].text(body) == "## Suite\n\nFin."


def test_an_unclosed_fence_runs_to_the_end_and_a_backtick_line_with_backticks_is_not_a_fence():
    assert [s.heading for s in parse_sections("# A\n```\n# code\n## code")] == ["A"]
    assert [s.heading for s in parse_sections("# A\n``` not `a fence`\n# B")] == ["A", "B"]


def test_what_is_not_an_atx_heading():
    body = "#sans espace\n    # indenté de quatre: du code\n####### sept\nTitre setext\n=====\n\\# échappé\n"
    assert parse_sections(body) == []


def test_heading_forms_closing_hashes_indentation_and_empty_headings():
    body = "   ### Trois espaces ###\ntexte\n#\nvide\n## Avec # au milieu\r\nfin"
    assert [(s.level, s.heading) for s in parse_sections(body)] == [(3, "Trois espaces"), (1, ""),
                                                                    (2, "Avec # au milieu")]


def test_empty_or_missing_body_has_no_sections():
    assert parse_sections("") == [] and parse_sections(None) == []


def test_splice_replaces_only_the_section_and_keeps_the_separation():
    section = find(BODY, "Horaires", 1)
    spliced = splice(BODY, section, "## Horaires\n\nLe mardi.\n\n\n")
    assert spliced == BODY.replace("Le lundi.", "Le mardi.")
    last = find(BODY, "Budget", 2)
    assert splice(BODY, last, "# Budget\n\nRien.") == BODY.replace("Le budget général.", "Rien.")


def test_splice_keeps_the_next_heading_on_its_own_line():
    body = "# A\ntexte\n# B\nsuite"
    assert splice(body, parse_sections(body)[0], "# A\nautre") == "# A\nautre\n# B\nsuite"
