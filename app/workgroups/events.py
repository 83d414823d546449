"""Live updates of a workgroup page (room ``workgroup:<id>``).

Events carry ids and numbers, never rendered HTML: a viewer fetches what changed over
HTTP, rendered for them. A client that reconnects rejoins and gets the snapshot.
"""

from __future__ import annotations

from sqlalchemy import select

from app import live
from app.extensions import db

KIND = "workgroup"


def room_of(workgroup) -> str:
    return live.room(KIND, workgroup)


def _load(workgroup_id: int):
    from app.workgroups.models import Workgroup

    return db.session.get(Workgroup, workgroup_id)


def snapshot(member, workgroup_id: int) -> dict:
    from app.workgroups.models import Workgroup, WorkgroupMessage

    workgroup = db.session.get(Workgroup, workgroup_id)
    message_ids = list(db.session.scalars(
        select(WorkgroupMessage.id).where(WorkgroupMessage.workgroup_id == workgroup_id).order_by(WorkgroupMessage.id)))
    return {
        "workgroup": workgroup_id,
        "status": workgroup.status,
        "notes_revision": workgroup.notes_revision,
        "messages": message_ids,
        "members": sorted(item.member_id for item in workgroup.memberships),
    }


live.register_room_kind(KIND, action="workgroups.view", loader=_load, snapshot=snapshot)


# --- emits, sent once the transaction commits ------------------------------------------


def message_posted(message) -> None:
    live.emit_to(room_of(message.workgroup_id), "workgroup.message",
                 {"id": message.id, "author_id": message.author_id})


def notes_saved(workgroup, editor) -> None:
    live.emit_to(room_of(workgroup), "workgroup.notes",
                 {"revision": workgroup.notes_revision, "editor_id": editor.id})


def status_changed(workgroup) -> None:
    live.emit_to(room_of(workgroup), "workgroup.status", {"status": workgroup.status})


def members_changed(workgroup) -> None:
    live.emit_to(room_of(workgroup), "workgroup.members",
                 {"members": sorted(item.member_id for item in workgroup.memberships)})
