from flask import Blueprint

bp = Blueprint("health", __name__, template_folder="templates")

from portal.health import admin_views, views  # noqa: E402,F401  (routes register on bp)
