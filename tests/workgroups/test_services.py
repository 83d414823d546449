"""Workgroups: creation, membership, writing rights, notes, meetings, reports (issue 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.deliberation.models import ProposalState, Transition
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.governance.services import level_by_code, matter_by_code
from app.notifications.models import Notice
from app.timeutil import local_today
from app.workgroups import services
from app.workgroups.models import WorkgroupStatus
from tests.workgroups.conftest import mandate


def test_a_level_decision_creates_an_open_group_with_its_mandate(make_workgroup, alice, bob):
    group = make_workgroup(members=[bob])
    assert group.status == WorkgroupStatus.OPEN.value
    assert group.origin == "decision" and group.origin_level.code == "seminar"
    assert group.origin_reference == "Séminaire de mars, point 4"
    assert group.reports_to_level.code == "seminar"
    assert [m.full_name for m in group.facilitators] == ["Alice Animatrice"]
    assert {m.id for m in group.members} == {alice.id, bob.id}


def test_only_facilitators_of_levels_record_a_decision(make_workgroup, bob):
    with pytest.raises(Forbidden, match="co-managers and the administrator"):
        make_workgroup(by=bob)


def test_a_past_due_date_is_refused_and_nothing_is_created(facilitator, alice):
    from app.workgroups.models import Workgroup

    with pytest.raises(InvalidInput) as error:
        services.create_by_decision(
            facilitator, **mandate(due_on=local_today() - timedelta(days=1)),
            decided_by_level_id=level_by_code("seminar").id, decision_reference="x", facilitator_ids=[alice.id])
    assert "already past" in error.value.fields["due_on"][0]
    assert db.session.query(Workgroup).count() == 0


def test_bad_mandate_inputs_are_each_named(facilitator):
    with pytest.raises(InvalidInput) as error:
        services.create_by_decision(
            facilitator, name=" ", question="", due_on="31/12/2030", reports_to_level_id="999",
            decided_by_level_id=None, decision_reference="", facilitator_ids=["abc"], theme_ids=[424242])
    fields = error.value.fields
    assert {"name", "question", "due_on", "reports_to_level_id", "decided_by_level_id", "decision_reference",
            "facilitators", "themes"} <= set(fields)


def test_a_group_needs_a_facilitator(facilitator):
    with pytest.raises(InvalidInput) as error:
        services.create_by_decision(facilitator, **mandate(), decided_by_level_id=level_by_code("seminar").id,
                                    decision_reference="x", facilitator_ids=[])
    assert "at least one facilitator" in error.value.fields["facilitators"][0]


def test_an_initiative_opens_at_the_support_threshold(app, alice, bob, outsider):
    app.config["WORKGROUP_SUPPORT_THRESHOLD"] = 3
    try:
        group = services.propose_initiative(alice, **mandate())
        assert group.status == WorkgroupStatus.PROPOSED.value
        assert group.is_facilitator(alice) and services.support_count(group) == 1
        with pytest.raises(Conflict, match="still gathering support"):
            services.post_message(group, alice, "Hello")
        services.support(group, bob)
        assert group.status == WorkgroupStatus.PROPOSED.value
        with pytest.raises(Conflict, match="already support"):
            services.support(group, bob)
        services.support(group, outsider)
        assert group.status == WorkgroupStatus.OPEN.value
        with pytest.raises(Conflict, match="no longer gathering support"):
            services.support(group, outsider)
    finally:
        app.config.pop("WORKGROUP_SUPPORT_THRESHOLD")


def test_the_threshold_is_a_setting(app, alice, bob):
    app.config["WORKGROUP_SUPPORT_THRESHOLD"] = 2
    try:
        group = services.propose_initiative(alice, **mandate())
        services.support(group, bob)
        assert group.status == WorkgroupStatus.OPEN.value
    finally:
        app.config.pop("WORKGROUP_SUPPORT_THRESHOLD")


def test_members_join_and_leave_an_open_group(make_workgroup, bob):
    group = make_workgroup()
    services.join(group, bob)
    assert group.is_member(bob)
    with pytest.raises(Conflict, match="already a member"):
        services.join(group, bob)
    services.leave(group, bob)
    assert not group.is_member(bob)
    with pytest.raises(Conflict, match="not a member"):
        services.leave(group, bob)


def test_a_closed_membership_group_is_by_invitation(make_workgroup, alice, bob, outsider):
    group = make_workgroup(open_membership=False)
    with pytest.raises(Conflict, match="by invitation"):
        services.join(group, bob)
    with pytest.raises(Forbidden, match="facilitators"):
        services.invite(group, bob, outsider.id)
    services.invite(group, alice, bob.id)
    assert group.is_member(bob)
    assert db.session.query(Notice).filter_by(member_id=bob.id).count() == 1
    with pytest.raises(Conflict, match="managed by its facilitators"):
        services.leave(group, bob)
    services.remove(group, alice, bob.id)
    assert not group.is_member(bob)
    with pytest.raises(Conflict, match="at least one facilitator"):
        services.remove(group, alice, alice.id)


def test_everyone_reads_only_members_write(make_workgroup, alice, outsider):
    from app import policy

    group = make_workgroup()
    assert policy.can(outsider, "workgroups.view", group)
    with pytest.raises(Forbidden, match="join it first"):
        services.post_message(group, outsider, "Hello")
    closed = make_workgroup(open_membership=False, name="Fermé")
    with pytest.raises(Forbidden, match="ask one of its facilitators"):
        services.save_notes(closed, outsider, "x", 0)
    message = services.post_message(group, alice, "Bonjour **à tous**")
    assert "<strong>à tous</strong>" in message.body_html
    with pytest.raises(InvalidInput):
        services.post_message(group, alice, "   ")


def test_notes_keep_revisions_and_the_second_writer_gets_a_conflict(make_workgroup, alice, bob):
    group = make_workgroup(members=[bob])
    first = services.save_notes(group, alice, "Nous partageons les bureaux.", 0)
    assert first.number == 1 and group.notes_revision == 1
    # Both start from revision 1; Alice saves first.
    services.save_notes(group, alice, "Nous partageons les bureaux le lundi.", 1)
    with pytest.raises(services.StaleNotes) as conflict:
        services.save_notes(group, bob, "Nous partageons tout.", 1)
    assert conflict.value.current_body == "Nous partageons les bureaux le lundi."
    assert conflict.value.fields["current_revision"] == ["2"]
    assert group.notes == "Nous partageons les bureaux le lundi."  # nothing overwritten
    assert [r.number for r in services.notes_revisions(group)] == [1, 2]
    with pytest.raises(InvalidInput, match="unchanged"):
        services.save_notes(group, bob, "Nous partageons les bureaux le lundi.", 2)
    with pytest.raises(InvalidInput):
        services.save_notes(group, bob, "x", "abc")


def test_internal_meetings_record_date_attendance_and_notes(make_workgroup, alice, bob, outsider):
    group = make_workgroup(members=[bob])
    meeting = services.record_meeting(group, alice, held_on=local_today().isoformat(),
                                      attendee_ids=[alice.id, bob.id], notes="Tour de table")
    assert {m.id for m in meeting.attendees} == {alice.id, bob.id}
    with pytest.raises(InvalidInput) as error:
        services.record_meeting(group, alice, held_on=(local_today() + timedelta(days=3)).isoformat(),
                                attendee_ids=[])
    assert set(error.value.fields) == {"held_on", "attendees"}
    with pytest.raises(Forbidden):
        services.record_meeting(group, outsider, held_on=local_today(), attendee_ids=[outsider.id])


def test_sending_a_proposal_puts_it_in_preparation_with_the_group_named(make_workgroup, make_proposal, author):
    group = make_workgroup()
    proposal = make_proposal()
    services.send_proposal(proposal, group, author, "Needs work on the rota.")
    assert proposal.state == ProposalState.PREPARATION.value
    assert services.holder_of(proposal).id == group.id
    last = proposal.transitions[-1]
    assert last.to_state == "preparation" and "Bureaux partagés" in last.reason and "rota" in last.reason


def test_only_a_proposal_in_debate_can_be_sent(make_workgroup, make_proposal, author):
    from app.deliberation.models import Proposal

    group = make_workgroup()
    draft = make_proposal(opened=False)
    with pytest.raises(Conflict):
        services.send_proposal(draft, group, author)
    assert db.session.get(Proposal, draft.id).state == "draft"


def test_a_proposal_can_be_sent_to_a_new_group(make_proposal, facilitator, alice):
    proposal = make_proposal()
    holding = services.send_to_new_workgroup(
        proposal, facilitator, **mandate(name="Nouveau groupe"), decided_by_level_id=proposal.level_id,
        decision_reference="Propositions", facilitator_ids=[alice.id])
    assert holding.workgroup.name == "Nouveau groupe" and proposal.state == "preparation"


def test_the_report_hands_the_proposal_back_to_its_level_with_a_link(make_workgroup, make_proposal, author, alice,
                                                                     client):
    group = make_workgroup()
    proposal = make_proposal()
    services.send_proposal(proposal, group, author)
    level = proposal.level_id
    report = services.deliver_report(group, alice, recommendation="adopt_amended", body="Adopt with **two** changes.",
                                     proposal_id=proposal.id)
    assert proposal.state == ProposalState.DEBATE.value and proposal.level_id == level
    last = proposal.transitions[-1]
    assert last.from_state == "preparation" and last.to_state == "debate"
    assert f"/groupes-de-travail/rapports/{report.id}" in last.reason
    assert services.report_for_transition(last.reason) == report.id
    assert services.holder_of(proposal) is None
    assert group.status == WorkgroupStatus.REPORT_DELIVERED.value
    # The proposal's author follows it and heard of the move, with the report's reason.
    assert any("Report of the workgroup" in n.message for n in db.session.query(Notice).filter_by(member_id=author.id))


def test_the_report_may_send_the_proposal_higher_each_hop_recorded(make_workgroup, make_proposal, author, alice):
    group = make_workgroup()
    proposal = make_proposal()
    assert proposal.level.code == "online"
    services.send_proposal(proposal, group, author)
    services.deliver_report(group, alice, recommendation="split", body="Too big for online.",
                            proposal_id=proposal.id, to_level_id=level_by_code("co_management").id)
    assert proposal.state == "debate" and proposal.level.code == "co_management"
    hops = [(t.from_level.code, t.to_level.code) for t in proposal.transitions
            if t.from_level_id is not None and t.from_level_id != t.to_level_id]
    # online → seminar → co_management: one recorded transition per level, as an escalation.
    assert hops == [("online", "seminar"), ("seminar", "co_management")]


def test_a_report_cannot_send_a_proposal_lower(make_workgroup, make_proposal, author, alice):
    group = make_workgroup()
    proposal = make_proposal(level="seminar")
    services.send_proposal(proposal, group, author)
    with pytest.raises(InvalidInput, match="never lower"):
        services.deliver_report(group, alice, recommendation="adopt", body="Ok",
                                proposal_id=proposal.id, to_level_id=level_by_code("online").id)


def test_a_report_for_a_proposal_the_group_does_not_hold_is_refused(make_workgroup, make_proposal, author, alice):
    group = make_workgroup()
    other = make_workgroup(name="Autre groupe")
    proposal = make_proposal()
    services.send_proposal(proposal, other, author)
    before = db.session.query(Transition).filter_by(proposal_id=proposal.id).count()
    with pytest.raises(InvalidInput) as error:
        services.deliver_report(group, alice, recommendation="reject", body="No.", proposal_id=proposal.id)
    assert "does not hold" in error.value.fields["proposal_id"][0]
    assert proposal.state == "preparation"
    assert db.session.query(Transition).filter_by(proposal_id=proposal.id).count() == before
    assert services.reports(group) == []


def test_bad_recommendation_and_non_facilitator_are_refused(make_workgroup, alice, bob):
    group = make_workgroup(members=[bob])
    with pytest.raises(InvalidInput) as error:
        services.deliver_report(group, alice, recommendation="maybe", body="")
    assert set(error.value.fields) == {"recommendation", "body"}
    with pytest.raises(Forbidden):
        services.deliver_report(group, bob, recommendation="adopt", body="Yes")


def test_closing_needs_a_report(make_workgroup, alice):
    group = make_workgroup()
    services.start(group, alice)
    assert group.status == WorkgroupStatus.IN_PROGRESS.value
    with pytest.raises(Conflict, match="has none yet"):
        services.close(group, alice)
    assert group.status == WorkgroupStatus.IN_PROGRESS.value
    services.deliver_report(group, alice, recommendation="reject", body="We advise against it.")
    services.close(group, alice)
    assert group.status == WorkgroupStatus.CLOSED.value and group.closed_at is not None
    with pytest.raises(Conflict, match="closed"):
        services.post_message(group, alice, "Still here?")


def test_closing_while_holding_a_proposal_is_refused(make_workgroup, make_proposal, author, alice):
    group = make_workgroup()
    services.deliver_report(group, alice, recommendation="reject", body="General report.")
    proposal = make_proposal()
    group.status = WorkgroupStatus.IN_PROGRESS.value
    services.send_proposal(proposal, group, author)
    with pytest.raises(Conflict, match="still holds"):
        services.close(group, alice)


def test_a_group_drafts_a_new_proposal(make_workgroup, alice, bob):
    group = make_workgroup(members=[bob])
    proposal = services.draft_proposal(group, alice, title="Une charte", body="Texte",
                                       matter_id=matter_by_code("everyday").id)
    assert proposal.state == "draft" and proposal.is_author(bob)
    assert [h.kind for h in services.held_proposals(group)] == ["drafted"]


def test_reminders_before_due_date_and_when_overdue_once_each(make_workgroup, alice, bob):
    soon = make_workgroup(members=[bob], due_on=local_today() + timedelta(days=3), name="Bientôt")
    make_workgroup(due_on=local_today() + timedelta(days=60), name="Plus tard")
    assert services.send_reminders() == 2  # alice and bob, for «Bientôt» only
    assert services.send_reminders() == 0
    soon.due_on = local_today() - timedelta(days=1)  # now overdue
    assert soon in services.overdue_workgroups()
    assert services.send_reminders() == 2
    messages = [n.message for n in db.session.query(Notice).filter_by(member_id=bob.id)]
    assert any("is due on" in m for m in messages) and any("no report is delivered" in m for m in messages)


def test_members_hear_when_a_report_is_delivered(make_workgroup, alice, bob):
    group = make_workgroup(members=[bob])
    services.deliver_report(group, alice, recommendation="adopt", body="Yes.")
    assert any("delivered its report" in n.message for n in db.session.query(Notice).filter_by(member_id=bob.id))


def test_suggested_members_cover_the_mandate(make_workgroup, make_member, alice):
    from app.members.models import Skill, Theme

    skill = Skill(label="facilitation")
    theme = Theme(label="mobilité durable")
    db.session.add_all([skill, theme])
    db.session.flush()
    carla = make_member("esa", name="Carla Facil")
    carla.skills = [skill]
    dan = make_member("es", name="Dan Rien")
    db.session.flush()
    group = make_workgroup(skill_ids=[skill.id], theme_ids=[theme.id])
    suggestions = services.suggested_members(group)
    assert suggestions[0].candidate.id == carla.id
    assert ("skill", "facilitation") in [(r.kind, r.value) for r in suggestions[0].reasons]
    assert dan.id not in [s.candidate.id for s in suggestions]
    assert alice.id not in [s.candidate.id for s in suggestions]


def test_inviting_nobody_or_an_unknown_member_is_refused(make_workgroup, alice):
    group = make_workgroup()
    with pytest.raises(InvalidInput) as error:
        services.invite(group, alice, None)
    assert error.value.fields["member_id"] == ["Choose a member."]
    with pytest.raises(InvalidInput):
        services.invite(group, alice, 987654)
    with pytest.raises(InvalidInput):
        services.invite(group, alice, alice.id, role="boss")


def test_the_remind_command_sends_each_reminder_once(app, make_workgroup, bob):
    make_workgroup(members=[bob], due_on=local_today() + timedelta(days=2))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["workgroups", "remind"])
    assert first.exit_code == 0 and "2 reminder(s) sent." in first.output
    assert "0 reminder(s) sent." in runner.invoke(args=["workgroups", "remind"]).output


def test_a_proposal_withdrawn_by_its_authors_no_longer_blocks_the_group(make_workgroup, make_proposal, author,
                                                                        alice):
    from app.deliberation import services as deliberation

    group = make_workgroup()
    proposal = make_proposal()
    services.send_proposal(proposal, group, author)
    deliberation.withdraw(proposal, author, "Plus d'actualité")
    assert services.holder_of(proposal) is None
    with pytest.raises(InvalidInput) as error:
        services.deliver_report(group, alice, recommendation="adopt", body="Oui", proposal_id=proposal.id)
    assert "does not hold" in error.value.fields["proposal_id"][0]
    services.deliver_report(group, alice, recommendation="reject", body="Sans objet.")
    services.close(group, alice)
    assert group.status == "closed"
