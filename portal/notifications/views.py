from flask import render_template
from flask_login import current_user, login_required

from portal.extensions import db
from portal.navigation import past_the_last_page, requested_page
from portal.notifications import bp, services


@bp.route("/messages")
@login_required
def inbox():
    messages = services.inbox(current_user, page=requested_page())
    if (last := past_the_last_page(messages, "notifications.inbox")) is not None:
        return last
    html = render_template("notifications/inbox.html", messages=messages)
    services.mark_read(current_user, [message.id for message in messages.items])
    db.session.commit()
    return html
