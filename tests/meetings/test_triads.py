"""Trinômes de co-développement: groups of three, as few repeated pairs as possible, history kept."""

from __future__ import annotations

from datetime import timedelta
from itertools import permutations

import pytest

from app.errors import Conflict, Forbidden, InvalidInput
from app.meetings import services, trinomes
from app.meetings.services import triads
from app.members.models import MemberStatus
from tests.conftest import sign_in
from tests.meetings.conftest import T0


@pytest.mark.parametrize("count, sizes", [(2, [2]), (3, [3]), (4, [4]), (5, [3, 2]), (6, [3, 3]), (7, [3, 4]),
                                          (8, [3, 3, 2]), (10, [3, 3, 4])])
def test_groups_of_three_with_a_two_or_a_four_only_where_the_count_requires_it(count, sizes):
    assert trinomes.group_sizes(count) == sizes


def test_one_member_cannot_form_a_group():
    with pytest.raises(ValueError):
        trinomes.group_sizes(1)


def test_nine_members_after_one_round_get_three_new_groups_without_any_repeat():
    history = trinomes.history_counts([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    grouping = trinomes.make_groups(range(1, 10), history, seed=4)
    assert grouping.repeated == []
    assert sorted(m for g in grouping.groups for m in g) == list(range(1, 10))


def _brute_force_best(members, history):
    best = None
    sizes = trinomes.group_sizes(len(members))
    for order in permutations(members):
        groups, start = [], 0
        for size in sizes:
            groups.append(order[start:start + size])
            start += size
        value = trinomes.cost(groups, history)
        best = value if best is None else min(best, value)
    return best


def test_the_search_finds_the_best_grouping_of_seven_after_three_rounds():
    history = trinomes.history_counts([[1, 2, 3], [4, 5, 6, 7], [1, 4, 7], [2, 5, 6], [3, 6, 7], [1, 2, 5, 4]])
    grouping = trinomes.make_groups(range(1, 8), history, seed=1)
    assert grouping.cost == _brute_force_best(list(range(1, 8)), history)


def test_same_seed_same_groups():
    history = trinomes.history_counts([[1, 2, 3], [4, 5, 6]])
    assert trinomes.make_groups(range(1, 13), history, seed=9) == trinomes.make_groups(range(1, 13), history, seed=9)


def test_manual_swap():
    assert trinomes.swap([[1, 2, 3], [4, 5, 6]], 1, 6) == [[6, 2, 3], [4, 5, 1]]
    with pytest.raises(ValueError):
        trinomes.swap([[1, 2, 3], [4, 5, 6]], 1, 2)


def test_seminar_trinomes_among_those_present_avoid_the_previous_seminars_pairs(make_meeting, facilitator,
                                                                                make_member):
    people = [make_member(MemberStatus.ES) for _ in range(9)]
    first = make_meeting(starts_at=T0 - timedelta(days=90), title="Séminaire d'hiver")
    for person in people:
        services.mark_present(first, facilitator, person, now=first.starts_at)
    earlier = triads.generate(first, facilitator, seed=1, now=first.starts_at)
    assert len(triads.groups_of(earlier)) == 3
    second = make_meeting(title="Séminaire de printemps")
    for person in people[:8] + [facilitator]:
        services.mark_present(second, facilitator, person, now=T0)
    late = make_member(MemberStatus.ES)  # not checked in: not placed
    round_ = triads.generate(second, facilitator, seed=3, now=T0)
    placed = {p.member_id for p in round_.placements}
    assert placed == {p.id for p in people[:8]} | {facilitator.id} and late.id not in placed
    assert triads.repeated(second, round_) == []
    g1, g2 = triads.groups_of(round_)[:2]
    triads.swap(second, facilitator, g1[0], g2[0])
    assert g1[0] in triads.groups_of(round_)[1]
    with pytest.raises(InvalidInput):
        triads.swap(second, facilitator, g1[1], g1[2])
    with pytest.raises(Forbidden):
        triads.generate(second, people[0], now=T0)
    csv = triads.export_csv(second, round_)
    assert csv.count("\r\n") == 1 + 9


def test_trinomes_need_two_present_members_and_a_seminar(make_meeting, facilitator):
    seminar = make_meeting()
    with pytest.raises(Conflict, match="At least two"):
        triads.generate(seminar, facilitator, now=T0)
    board = make_meeting(kind="co_management", title="Co-gérance")
    with pytest.raises(Conflict, match="seminars"):
        triads.generate(board, facilitator, now=T0)


def test_trinome_pages(client, in_session, facilitator, people):
    sign_in(client, facilitator)
    assert client.post(f"/seances/{in_session.id}/trinomes", data={"seed": "5"}).status_code == 302
    page = client.get(f"/seances/{in_session.id}/trinomes").get_data(as_text=True)
    assert "Trinôme 2" in page and "No pair met at an earlier seminar." in page
    export = client.get(f"/seances/{in_session.id}/trinomes.csv")
    assert export.status_code == 200 and people[0].full_name in export.get_data(as_text=True)
    bad = client.post(f"/seances/{in_session.id}/trinomes/echanger", data={"first_id": "x", "second_id": "y"})
    assert bad.status_code == 422


