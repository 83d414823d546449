"""Figures: the proposal page's SQL queries do not grow with its comments, amendments, revisions."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.deliberation import services
from app.extensions import db
from app.members.models import MemberStatus
from tests.conftest import sign_in


@contextmanager
def counted_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def build(make_proposal, author, members, *, comments: int, amendments: int, revisions: int, title: str):
    proposal = make_proposal(title=title)
    for number in range(2, revisions + 1):
        services.edit_proposal(proposal, author, base_revision=number - 1, title=proposal.title, summary="",
                               body=f"Révision {number} du texte, avec quelques mots de plus.")
    stances = ("for", "against", "question", "neutral")
    tops = []
    for index in range(comments):
        who = members[index % len(members)]
        parent = tops[index % len(tops)].id if tops and index % 3 == 2 else None
        comment = services.add_comment(proposal, who, f"Argument **{index}** sur le texte.", stances[index % 4],
                                       parent_id=parent)
        if parent is None:
            tops.append(comment)
    for index in range(amendments):
        services.propose_amendment(proposal, members[index % len(members)], f"Texte amendé numéro {index}.")
    for index, member in enumerate(members):
        services.give_sense_check(proposal, member, ("agree", "reservation", "disagree")[index % 3])
    db.session.commit()
    return proposal


def test_the_proposal_page_makes_the_same_number_of_queries_whatever_its_size(client, make_proposal, author,
                                                                             make_member):
    members = [make_member(MemberStatus.ES) for _ in range(12)]
    small = build(make_proposal, author, members, comments=3, amendments=1, revisions=1, title="Petite")
    large = build(make_proposal, author, members, comments=300, amendments=20, revisions=10, title="Grande")
    viewer = make_member()
    sign_in(client, viewer)

    def page(proposal):
        with counted_queries() as statements:
            response = client.get(f"/propositions/{proposal.id}")
        assert response.status_code == 200
        return response.get_data(as_text=True), statements

    page(small)  # the first request of a session loads what every later one has cached
    small_html, small_queries = page(small)
    large_html, large_queries = page(large)
    assert large_html.count('class="comment ') == 300 and small_html.count('class="comment ') == 3
    assert large_html.count('data-amendment-id=') == 20
    assert len(large_queries) == len(small_queries), "\n".join(large_queries)
    assert len(large_queries) <= 25
