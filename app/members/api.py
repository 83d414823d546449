"""REST resources for members."""

from flask_smorest import Blueprint

blp = Blueprint("members_api", __name__, description="Members of the cooperative")
