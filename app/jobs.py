"""The RQ job queue, used when REDIS_URL is set.

Two kinds of jobs, each switched on by its own setting: e-mails (MAIL_QUEUE=rq,
app.notifications.mail.deliver_job) and the PV exports (DOCUMENT_QUEUE=rq,
app.meetings.assembly.jobs.minutes_job, whose bytes RQ keeps as the job's result for the
status and download pages of app.documents).

Worker command: ``rq worker --url "$REDIS_URL" facettes`` (the queue is JOB_QUEUE).
"""

from __future__ import annotations

from functools import cache

from flask import current_app
from redis import Redis
from rq import Queue


def queue() -> Queue:
    config = current_app.config
    return Queue(config["JOB_QUEUE"], connection=Redis.from_url(config["REDIS_URL"]))


@cache
def job_app():
    from app import create_app

    return create_app()
