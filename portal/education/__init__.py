from flask import Blueprint

bp = Blueprint("education", __name__, template_folder="templates")

from portal.education import views  # noqa: E402,F401  (routes register on bp)
