from flask import Blueprint

bp = Blueprint("dashboard", __name__, template_folder="templates")

from portal.dashboard import models, views  # noqa: E402,F401  (indexes join the metadata; routes register on bp)
