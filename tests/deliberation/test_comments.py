"""Comments with a stance in two-level threads, edits with history, withdrawal, mentions, sense checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.deliberation import services
from app.deliberation.models import Comment, SenseCheck
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.members.models import MemberStatus
from app.notifications.models import Notice


def notices_of(member) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.member_id == member.id).order_by(Notice.id)))


def test_comments_carry_a_stance_and_threads_have_two_levels(make_proposal, make_member):
    proposal = make_proposal()
    alice, bob = make_member(), make_member()
    first = services.add_comment(proposal, alice, "Je soutiens : c'est utile.", "for")
    reply = services.add_comment(proposal, bob, "Pourquoi ?", "question", parent_id=first.id)
    assert (first.stance, reply.stance, reply.parent_id) == ("for", "question", first.id)
    with pytest.raises(InvalidInput) as error:
        services.add_comment(proposal, alice, "Réponse à la réponse", "neutral", parent_id=reply.id)
    assert "parent_id" in error.value.fields
    other = make_proposal(title="Autre")
    with pytest.raises(InvalidInput):
        services.add_comment(other, alice, "Mauvais fil", "neutral", parent_id=first.id)


@pytest.mark.parametrize("body, stance, field", [
    ("", "for", "body"), ("   ", "for", "body"), ("x" * 10_001, "for", "body"), ("ok", "peut-être", "stance"),
    ("ok", None, "stance"), ("a\x00b", "for", "body"),
])
def test_bad_comments_are_refused_and_nothing_is_stored(make_proposal, make_member, body, stance, field):
    proposal = make_proposal()
    with pytest.raises(InvalidInput) as error:
        services.add_comment(proposal, make_member(), body, stance)
    assert field in error.value.fields
    assert db.session.scalars(select(Comment)).all() == []


def test_comments_are_closed_in_draft_and_during_the_vote(make_proposal, author):
    draft = make_proposal(opened=False)
    with pytest.raises(Conflict):
        services.add_comment(draft, author, "Trop tôt", "neutral")


def test_a_member_edits_their_comment_and_the_history_is_kept(make_proposal, make_member):
    proposal = make_proposal()
    alice = make_member()
    comment = services.add_comment(proposal, alice, "Premier jet", "neutral")
    services.edit_comment(comment, alice, "Version corrigée", "against")
    services.edit_comment(comment, alice, "Version finale", None)
    assert (comment.body, comment.stance) == ("Version finale", "against")
    assert comment.edited_at is not None
    assert [(e.body, e.stance) for e in services.comment_history(comment, alice)] == [
        ("Premier jet", "neutral"), ("Version corrigée", "against")]


def test_editing_or_withdrawing_someone_elses_comment_is_refused(make_proposal, make_member, admin):
    proposal = make_proposal()
    alice, bob = make_member(), make_member()
    comment = services.add_comment(proposal, alice, "Mon avis", "for")
    for intruder in (bob, admin):
        with pytest.raises(Forbidden):
            services.edit_comment(comment, intruder, "Réécrit", "against")
        with pytest.raises(Forbidden):
            services.withdraw_comment(comment, intruder)
    assert comment.body == "Mon avis" and comment.withdrawn_at is None


def test_a_withdrawn_comment_leaves_a_trace_and_cannot_be_edited(make_proposal, make_member):
    proposal = make_proposal()
    alice, bob = make_member(), make_member()
    comment = services.add_comment(proposal, alice, "Texte à retirer", "for")
    reply = services.add_comment(proposal, bob, "Réponse", "neutral", parent_id=comment.id)
    services.withdraw_comment(comment, alice)
    assert comment.withdrawn_at is not None and db.session.get(Comment, comment.id) is not None
    with pytest.raises(Conflict):
        services.edit_comment(comment, alice, "Revenu", "for")
    with pytest.raises(Conflict):
        services.withdraw_comment(comment, alice)
    with pytest.raises(NotFound):
        services.comment_history(comment, bob)  # the withdrawn text is no longer shown
    page = services.proposal_page_data(proposal.id, bob)
    assert [t.comment.id for t in page.threads] == [comment.id] and page.threads[0].replies == [reply]
    assert page.arguments_for == [] and page.comment_count == 1


def test_mentions_and_replies_notify_once(make_proposal, make_member):
    proposal = make_proposal()
    alice = make_member(name="Alice Martin")
    bob = make_member(name="Bob Léger")
    carol = make_member(name="Carol")
    first = services.add_comment(proposal, alice, "Qu'en pense @bob leger ? Et @Personne ?", "question")
    assert [n.kind for n in notices_of(bob)] == ["mention"]
    assert 'class="mention"' in first.body_html
    # A reply that also names the author of the comment answered: one notice, not two.
    services.add_comment(proposal, bob, "@Alice Martin voici ma réponse", "neutral", parent_id=first.id)
    assert [n.kind for n in notices_of(alice)] == ["mention"]
    services.add_comment(proposal, carol, "Je complète", "neutral", parent_id=first.id)
    assert [n.kind for n in notices_of(alice)] == ["mention", "reply"]
    # An edit notifies only members newly named.
    services.edit_comment(first, alice, "Qu'en pensent @Bob Léger et @carol ?", None)
    assert [n.kind for n in notices_of(bob)] == ["mention"]
    assert [n.kind for n in notices_of(carol)] == ["mention"]


def test_commenting_makes_the_member_a_follower(make_proposal, make_member):
    proposal = make_proposal()
    alice = make_member()
    services.add_comment(proposal, alice, "Je suis", "neutral")
    assert services.is_following(proposal, alice)


def test_arguments_for_and_against_are_gathered_side_by_side(make_proposal, make_member):
    proposal = make_proposal()
    a, b, c = make_member(), make_member(), make_member()
    pro = services.add_comment(proposal, a, "Pour, car utile", "for")
    con = services.add_comment(proposal, b, "Contre, car cher", "against")
    services.add_comment(proposal, c, "Une question", "question", parent_id=pro.id)
    page = services.proposal_page_data(proposal.id, c)
    assert page.arguments_for == [pro] and page.arguments_against == [con]


def test_sense_checks_one_current_per_member_with_counts(make_proposal, make_member):
    proposal = make_proposal()
    a, b = make_member(), make_member()
    services.give_sense_check(proposal, a, "agree")
    services.give_sense_check(proposal, b, "reservation", "Le coût")
    services.give_sense_check(proposal, a, "disagree")
    assert services.sense_counts(proposal.id) == {
        "agree": 0, "reservation": 1, "disagree": 1, "blocking_objection": 0}
    assert len(db.session.scalars(select(SenseCheck)).all()) == 2
    services.withdraw_sense_check(proposal, b)
    assert services.sense_counts(proposal.id)["reservation"] == 0
    with pytest.raises(NotFound):
        services.withdraw_sense_check(proposal, b)


def test_domain_consent_a_blocking_objection_states_its_reason(make_proposal, make_member):
    proposal = make_proposal()
    member = make_member()
    with pytest.raises(InvalidInput) as error:
        services.give_sense_check(proposal, member, "blocking_objection", "  ")
    assert "reason" in error.value.fields
    services.give_sense_check(proposal, member, "blocking_objection", "Met en danger la trésorerie commune")
    assert services.sense_counts(proposal.id)["blocking_objection"] == 1


def test_the_database_also_requires_a_reason_for_an_objection(make_proposal, make_member):
    from sqlalchemy.exc import IntegrityError

    proposal = make_proposal()
    member = make_member()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(SenseCheck(proposal_id=proposal.id, member_id=member.id, opinion="blocking_objection",
                                      reason=" "))
            db.session.flush()


def test_unknown_sense_check_refused(make_proposal, make_member):
    with pytest.raises(InvalidInput) as error:
        services.give_sense_check(make_proposal(), make_member(), "bof")
    assert "opinion" in error.value.fields


def test_a_cape_member_takes_part_like_everyone(make_proposal, make_member):
    """Seed: every member takes part in all decisions, whatever their status."""
    cape = make_member(MemberStatus.CAPE)
    proposal = make_proposal()
    services.add_comment(proposal, cape, "Mon point de vue de CAPE", "for")
    services.give_sense_check(proposal, cape, "agree")
