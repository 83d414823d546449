"""Full-text search over proposals and comments, in French, identical on both databases.

Why not PostgreSQL's tsvector and SQLite's FTS5: PostgreSQL's 'french' configuration
stems but keeps accents (it needs the unaccent extension and a custom configuration
for "decision" to find "décision"), and FTS5 folds accents but has no French stemmer, so
plurals would not meet. Two engines would also answer the same query differently.
Instead the text is normalised here, in Python, the same way for indexing and for
querying: words are lower-cased, folded (é→e, œ→oe), stripped of French stop words and
of a plural -s, and stemmed with the Snowball French stemmer ("décisions", "decision" →
"decis"); the
terms go into ``search_terms`` (an inverted index with a B-tree on the term), kept up
to date by the services in the same transaction as the text. A query returns the
documents holding every term, best weighted first. The cooperative's volume (thousands
of texts, not millions) is far inside what this handles in a few milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from sqlalchemy import Select, delete, exists, func, insert, or_, select

from app.deliberation.models import Comment, Proposal, ProposalState, SearchTerm, proposal_coauthors
from app.extensions import db

_WORD = re.compile(r"\w+", re.UNICODE)
TERM_MAX = 64
QUERY_TERMS_MAX = 12
# Frequent French words that would match nearly every text.
STOP_WORDS = frozenset("""
a au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me meme mes moi mon ne
nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l
m n s t y ete etre est sont a ont avoir fait cette cet ceci cela ca plus tres si
""".split())
# Title words weigh more than body words when ranking.
WEIGHTS = {"title": 3, "summary": 2, "body": 1}


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("french")


def fold(word: str) -> str:
    word = word.casefold().replace("œ", "oe").replace("æ", "ae")
    return "".join(char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char))


def terms(text: str) -> list[str]:
    """The normalised terms of a text, in order (duplicates kept)."""
    result = []
    stemmer = _stemmer()
    for word in _WORD.findall(text or ""):
        folded = fold(word)
        if folded in STOP_WORDS or (len(folded) < 2 and not folded.isdigit()):
            continue
        # Snowball treats "potager" as a verb and "potagers" as a noun: a plural -s is dropped
        # first so singular and plural always meet ("-aux" is left to Snowball: locaux → local).
        if len(folded) > 3 and folded.endswith("s") and not folded.endswith("ss"):
            folded = folded[:-1]
        result.append(stemmer.stemWord(folded)[:TERM_MAX])
    return result


def _weights(**fields: str) -> Counter:
    counts: Counter = Counter()
    for name, text in fields.items():
        for term in terms(text):
            counts[term] += WEIGHTS.get(name, 1)
    return counts


def _replace(doc_kind: str, doc_id: int, proposal_id: int, counts: Counter) -> None:
    db.session.execute(delete(SearchTerm).where(SearchTerm.doc_kind == doc_kind, SearchTerm.doc_id == doc_id))
    if counts:
        db.session.execute(insert(SearchTerm), [
            {"doc_kind": doc_kind, "doc_id": doc_id, "term": term, "proposal_id": proposal_id, "weight": weight}
            for term, weight in counts.items()
        ])


def index_proposal(proposal: Proposal) -> None:
    db.session.flush()
    _replace("proposal", proposal.id, proposal.id,
             _weights(title=proposal.title, summary=proposal.summary, body=proposal.body))


def index_comment(comment: Comment) -> None:
    db.session.flush()
    # A withdrawn comment's text is no longer shown, so it must not be found either.
    counts = Counter() if comment.withdrawn_at is not None else _weights(body=comment.body)
    _replace("comment", comment.id, comment.proposal_id, counts)


def query_terms(query: str) -> list[str]:
    return list(dict.fromkeys(terms(query)))[:QUERY_TERMS_MAX]


def visible_proposals_clause(member):
    """Drafts are seen by their authors only; everything else by every member."""
    member_id = getattr(member, "id", None)
    coauthor = exists().where(proposal_coauthors.c.proposal_id == Proposal.id,
                              proposal_coauthors.c.member_id == member_id)
    return or_(Proposal.state != ProposalState.DRAFT.value, Proposal.created_by_id == member_id, coauthor)


def matching(query: str, doc_kind: str = "proposal") -> Select | None:
    """A select of (doc_id, score) for documents holding every term, or None for no term."""
    wanted = query_terms(query)
    if not wanted:
        return None
    return (
        select(SearchTerm.doc_id, func.sum(SearchTerm.weight).label("score"))
        .where(SearchTerm.doc_kind == doc_kind, SearchTerm.term.in_(wanted))
        .group_by(SearchTerm.doc_id)
        .having(func.count(SearchTerm.term) == len(wanted))
    )


@dataclass(frozen=True)
class Hit:
    kind: str  # "proposal" or "comment"
    proposal: Proposal
    comment: Comment | None
    score: int


def search(member, query: str, limit: int = 50) -> list[Hit]:
    """Proposals and comments matching every word of the query, best first."""
    hits: list[Hit] = []
    proposals = matching(query, "proposal")
    if proposals is None:
        return hits
    sub = proposals.subquery()
    rows = db.session.execute(
        select(Proposal, sub.c.score).join(sub, sub.c.doc_id == Proposal.id).where(visible_proposals_clause(member))
        .order_by(sub.c.score.desc(), Proposal.id.desc()).limit(limit)
    ).all()
    hits.extend(Hit("proposal", proposal, None, score) for proposal, score in rows)
    sub = matching(query, "comment").subquery()
    rows = db.session.execute(
        select(Comment, Proposal, sub.c.score).join(sub, sub.c.doc_id == Comment.id)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(visible_proposals_clause(member), Comment.withdrawn_at.is_(None))
        .order_by(sub.c.score.desc(), Comment.id.desc()).limit(limit)
    ).all()
    hits.extend(Hit("comment", proposal, comment, score) for comment, proposal, score in rows)
    hits.sort(key=lambda hit: (-hit.score, hit.kind, -(hit.comment.id if hit.comment else hit.proposal.id)))
    return hits[:limit]
