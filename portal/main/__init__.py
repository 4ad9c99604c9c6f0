from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")

from portal.main import views  # noqa: E402,F401  (routes register on bp)
