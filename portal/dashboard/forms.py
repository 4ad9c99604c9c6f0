"""The dashboard's one form that changes anything: resetting the demo data (superadmin, DEMO_MODE only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from portal.forms import FlaskForm


class DemoResetForm(FlaskForm):
    # A size not listed (a page sent by hand) is refused at the field, and nothing is deleted.
    size = SelectField(
        _l("Size of the dataset"),
        choices=[
            ("small", _l("Small (a few hundred citizens, seconds)")),
            ("medium", _l("Medium (about 5,000 citizens, a minute)")),
        ],
        validators=[InputRequired(_l("Choose the size of the dataset."))],
    )
