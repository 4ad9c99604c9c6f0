from flask import render_template, request
from flask_login import current_user, login_required

from portal.extensions import db
from portal.notifications import bp, services


@bp.route("/messages")
@login_required
def inbox():
    page = request.args.get("page", 1, type=int)
    messages = services.inbox(current_user, page=max(page, 1))
    html = render_template("notifications/inbox.html", messages=messages)
    services.mark_read(current_user)
    db.session.commit()
    return html
