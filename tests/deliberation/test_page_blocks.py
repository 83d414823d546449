"""The comment blocks of the proposal page, rendered once per page from shared labels: right
after an edit, a withdrawal or a rename, in each member's language, and never with another
member's buttons."""

from __future__ import annotations

import re

import pytest

from app.deliberation import services
from app.extensions import db
from app.members import services as members
from tests.conftest import FreshRequestClient, sign_in


def client_of(app, member):
    client = FreshRequestClient(app, app.response_class, use_cookies=True)
    sign_in(client, member)
    return client


def page(client, proposal) -> str:
    response = client.get(f"/propositions/{proposal.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def block(html: str, comment) -> str:
    match = re.search(rf'<article class="comment[^"]*" id="comment-{comment.id}".*?</article>', html, re.S)
    assert match, f"comment {comment.id} not on the page"
    return match.group(0)


def buttons(html: str, comment) -> bool:
    """Does the block of this comment offer to edit and withdraw it?"""
    text = block(html, comment)
    has_edit = f"/commentaires/{comment.id}/modifier" in text
    assert has_edit == (f"/commentaires/{comment.id}/retirer" in text) == ("csrf_token" in text)
    return has_edit


def without_tokens(html: str) -> str:
    return re.sub(r'(name="csrf_token" value=|name="csrf-token" content=)"[^"]*"', r"\1", html)


def test_own_comment_buttons_are_never_shown_to_another_member(app, make_proposal, make_member):
    alice, bob, carol = make_member(name="Alice"), make_member(name="Bob"), make_member(name="Carol")
    proposal = make_proposal()
    by_alice = services.add_comment(proposal, alice, "Le texte d'Alice.", "for")
    by_bob = services.add_comment(proposal, bob, "Le texte de Bob.", "against")
    reply = services.add_comment(proposal, alice, "La réponse d'Alice.", "question", parent_id=by_bob.id)
    db.session.commit()
    as_alice, as_bob, as_carol = client_of(app, alice), client_of(app, bob), client_of(app, carol)

    # Alice first, then Bob, Carol, and Alice again: nothing of one reading leaks into the next.
    for client, own in ((as_alice, {by_alice, reply}), (as_bob, {by_bob}), (as_carol, set()),
                        (as_alice, {by_alice, reply}), (as_bob, {by_bob})):
        html = page(client, proposal)
        for comment in (by_alice, by_bob, reply):
            assert buttons(html, comment) == (comment in own)


def test_an_edit_a_withdrawal_and_a_rename_show_at_once(app, make_proposal, make_member):
    alice, bob = make_member(name="Alice Ancien"), make_member()
    proposal = make_proposal()
    comment = services.add_comment(proposal, alice, "Première version.", "for")
    db.session.commit()
    as_bob = client_of(app, bob)
    first = block(page(as_bob, proposal), comment)
    assert "Première version." in first and "historique" not in first
    assert block(page(as_bob, proposal), comment) == first  # shown again unchanged

    services.edit_comment(comment, alice, "Seconde version, **corrigée**.", "against")
    db.session.commit()
    edited = block(page(as_bob, proposal), comment)
    assert "<strong>corrigée</strong>" in edited and "Première version." not in edited
    assert "stance-against" in edited and f"/commentaires/{comment.id}/historique" in edited

    members.update_profile(alice, full_name="Alice Nouveau")
    db.session.commit()
    renamed = block(page(as_bob, proposal), comment)
    assert "Alice Nouveau" in renamed and "Alice Ancien" not in renamed

    services.withdraw_comment(comment, alice)
    db.session.commit()
    withdrawn = block(page(as_bob, proposal), comment)
    assert "withdrawn" in withdrawn and "corrigée" not in withdrawn and 'class="trace"' in withdrawn


def test_each_member_reads_the_blocks_in_their_language(app, make_proposal, make_member):
    alice = make_member(name="Alice")
    francophone, anglophone = make_member(language="fr"), make_member(language="en")
    proposal = make_proposal()
    comment = services.add_comment(proposal, alice, "Un argument.", "for")
    parent = services.add_comment(proposal, alice, "Un autre.", "against")
    services.withdraw_comment(parent, alice)
    db.session.commit()
    as_fr, as_en = client_of(app, francophone), client_of(app, anglophone)
    for _ in range(2):  # the formatters' per-language memory gives the same text the second time
        fr, en = block(page(as_fr, proposal), comment), block(page(as_en, proposal), comment)
        assert ">Pour<" in fr and ">Répondre<" in fr and ">For<" in en and ">Reply<" in en
        # The same instant, in each language's short format, Paris time.
        assert re.search(r"<time [^>]*>\d{2}/\d{2}/\d{4} \d{2}:\d{2}</time>", fr)
        assert re.search(r"<time [^>]*>\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\s[AP]M</time>", en)
        assert "retiré par son auteur" in block(page(as_fr, proposal), parent)
        assert "withdrawn by its author" in block(page(as_en, proposal), parent)


def test_the_live_fragment_is_the_block_of_the_page(app, make_proposal, make_member):
    alice, bob = make_member(name="Alice"), make_member(name="Bob")
    proposal = make_proposal()
    theirs = services.add_comment(proposal, alice, "Le texte d'Alice.", "for")
    mine = services.add_comment(proposal, bob, "Le mien.", "against", parent_id=theirs.id)
    db.session.commit()
    as_bob = client_of(app, bob)
    html = page(as_bob, proposal)
    for comment in (theirs, mine):
        fragment = as_bob.get(f"/commentaires/{comment.id}/fragment").get_data(as_text=True)
        assert without_tokens(fragment).strip() == without_tokens(block(html, comment))
    amendment = services.propose_amendment(proposal, bob, "Texte amendé.")
    db.session.commit()
    html = page(as_bob, proposal)
    fragment = as_bob.get(f"/amendements/{amendment.id}/fragment").get_data(as_text=True)
    on_page = re.search(r'<article class="card amendment.*?</article>', html, re.S).group(0)
    assert re.sub(r"\s+", " ", without_tokens(fragment)).strip() == re.sub(r"\s+", " ", without_tokens(on_page))
    assert "/retirer" in fragment  # Bob's own amendment: he may withdraw it


@pytest.mark.parametrize("html", [
    "<p>Court.</p>",
    "<p>" + "Un mot " * 28 + "</p>",  # just around 200 characters and the leeway
    "<p>" + "Un mot " * 29 + "</p>",
    "<p>" + "mot&amp;mot <strong>fort</strong> &lt;b&gt; " * 30 + "</p>",
    "<p>" + "x" * 400 + "</p>",
    "<ul><li>un</li><li>deux</li></ul>\n\n<p>trois   espaces</p>",
])
def test_argument_summaries_are_jinjas_striptags_and_truncate(app, html):
    from types import SimpleNamespace

    from app.deliberation.views.common import CommentView

    expected = app.jinja_env.from_string("{{ html|striptags|truncate(200) }}").render(html=html)
    with app.app_context():
        rendered = app.jinja_env.from_string("{{ summary(c) }}").render(
            summary=CommentView.summary, c=SimpleNamespace(body_html=html))
    assert rendered == expected
