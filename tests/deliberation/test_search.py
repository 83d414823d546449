"""Full-text search in French (accents, plurals), the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.deliberation import search, services
from app.members.models import MemberStatus


@pytest.fixture
def corpus(make_proposal, make_member):
    offices = make_proposal(title="Des bureaux partagés à Lyon",
                            body="Les coopératives mutualisent leurs locaux et leurs équipements.")
    seminar = make_proposal(title="Organisation des séminaires",
                            body="Quatre séminaires par an ; l'égalité de parole est une règle.")
    commenter = make_member(MemberStatus.ES, name="Zoé")
    comment = services.add_comment(seminar, commenter, "Les décisions doivent être prises ensemble.", "for")
    return offices, seminar, comment


def kinds(hits):
    return [(hit.kind, hit.comment.id if hit.comment else hit.proposal.id) for hit in hits]


@pytest.mark.parametrize("query", ["bureau", "Bureaux", "BUREAU partage", "cooperative", "coopératives",
                                   "equipement", "local"])
def test_accents_case_and_plurals_do_not_matter(corpus, author, query):
    offices, _seminar, _comment = corpus
    assert kinds(search.search(author, query)) == [("proposal", offices.id)]


@pytest.mark.parametrize("query", ["séminaire", "seminaires", "egalite", "ÉGALITÉ"])
def test_words_of_the_body_and_title_are_found(corpus, author, query):
    _offices, seminar, _comment = corpus
    assert ("proposal", seminar.id) in kinds(search.search(author, query))


def test_comments_are_found_and_point_to_their_proposal(corpus, author):
    _offices, seminar, comment = corpus
    hits = search.search(author, "decision ensemble")
    assert kinds(hits) == [("comment", comment.id)] and hits[0].proposal.id == seminar.id


def test_every_word_must_match_and_stop_words_are_ignored(corpus, author):
    assert search.search(author, "bureaux séminaires") == []
    assert search.search(author, "les des et") == []
    assert search.search(author, "") == []


def test_drafts_are_found_by_their_authors_only(make_proposal, author, make_member):
    draft = make_proposal(opened=False, title="Projet confidentiel de jardin")
    assert kinds(search.search(author, "jardins")) == [("proposal", draft.id)]
    assert search.search(make_member(), "jardins") == []


def test_edits_and_withdrawals_update_the_index(corpus, author, make_member):
    offices, seminar, comment = corpus
    services.edit_proposal(offices, author, base_revision=1, title="Des bureaux partagés à Lyon",
                           summary="", body="Un potager collectif.")
    assert kinds(search.search(author, "potagers")) == [("proposal", offices.id)]
    assert search.search(author, "équipements") == []
    services.withdraw_comment(comment, comment.author)
    assert search.search(author, "décisions") == []


def test_the_title_weighs_more_than_the_body(make_proposal, author):
    in_body = make_proposal(title="Autre sujet", body="On parle ici de mobilité durable.")
    in_title = make_proposal(title="Mobilité durable", body="Texte.")
    assert kinds(search.search(author, "mobilités"))[:2] == [("proposal", in_title.id), ("proposal", in_body.id)]


def test_terms_are_folded_and_stemmed():
    assert search.terms("Les Décisions, l'égalité et les cœurs") == ["decis", "egalit", "coeur"]
