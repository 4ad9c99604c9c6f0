from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")

from portal.notifications import views  # noqa: E402,F401  (routes register on bp)
