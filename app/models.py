"""Imports every domain's models so SQLAlchemy's metadata (and Alembic) sees them all."""

from app.deliberation import models as deliberation_models  # noqa: F401
from app.governance import models as governance_models  # noqa: F401
from app.meetings import models as meetings_models  # noqa: F401
from app.meetings.assembly import models as assembly_models  # noqa: F401
from app.members import models as members_models  # noqa: F401
from app.notifications import models as notifications_models  # noqa: F401
from app.votes import models as votes_models  # noqa: F401
from app.workgroups import models as workgroups_models  # noqa: F401
