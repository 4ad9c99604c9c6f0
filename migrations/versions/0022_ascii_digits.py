"""auth: CNICs and family members' numbers saved in Urdu (or other non-ASCII) digits are written in ASCII

The portal read a CNIC with Python's ``\\d``, which takes the decimal digits of every script, and stored
it as typed: "۳۵۲۰۲-۱۲۳۴۵۶۷-۱" (Urdu digits) was saved as "۳۵۲۰۲۱۲۳۴۵۶۷۱", so that the person could not
sign in with the number typed in ASCII, the same CNIC typed in ASCII made a second account, and a
walk-in typed in Urdu digits at a counter made a new counter record. The application now writes every
number in ASCII (portal.validation.ascii_digits); this revision does the same to the rows saved before:

- ``users.cnic`` (accounts, and the records made at a clinic counter for walk-ins, which are users
  without a password);
- ``dependants.id_number`` (a family member's B-form or CNIC) and its key ``number_key`` (the same
  number, or the number, two spaces and the row's id for a row migration 0019 kept apart).

No other column holds a CNIC. Rows whose numbers are all ASCII already are not touched.

**Duplicates are not merged.** When the ASCII form of a row's number already belongs to another row
(an account registered twice, once in Urdu digits and once in ASCII; or a family member whose number,
in ASCII, is another family member's on the same account), the row is left exactly as it is and a
warning naming the row ids (never the number: no CNIC goes to a log) is written to the migration's
log, for an admin to resolve by hand: decide which account the person keeps, move what the other holds,
then make the other's CNIC right. Of two rows in non-ASCII digits that read as the same number, the
lower id is converted and the other reported. A family member whose number, in ASCII, is the account
holder's own CNIC (which the portal now refuses) is converted, and reported too.

Runs on SQLite and PostgreSQL alike: the candidate rows are those whose number holds anything but the
ASCII digits (GLOB on SQLite, a regular expression on PostgreSQL), converted in Python with a frozen
copy of ascii_digits, so that this revision keeps meaning what it meant.

Downgrade changes nothing: the ASCII numbers are what the older code would have stored for them too,
and the digits a person first typed are not worth keeping.

Revision ID: 0022_ascii_digits
Revises: 0021_ids_never_reused
"""

import logging
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0022_ascii_digits"
down_revision = "0021_ids_never_reused"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_ANY_DIGIT = re.compile(r"\d")


def ascii_digits(text: str) -> str:
    """portal.validation.ascii_digits as of this revision: every decimal digit of any script as 0-9."""
    if text.isascii():
        return text
    return _ANY_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


def not_only_digits(bind, column: str) -> str:
    """A condition true where ``column`` holds anything but ASCII digits (or spaces and '#': a key kept apart)."""
    if bind.dialect.name == "postgresql":
        return f"{column} ~ '[^0-9 #]'"
    return f"{column} GLOB '*[^0-9 #]*'"


def report(message: str, *args) -> None:
    log.warning("0022_ascii_digits: " + message + "; left for an admin to resolve", *args)


def convert_users(bind) -> None:
    rows = bind.execute(sa.text(f"SELECT id, cnic FROM users WHERE {not_only_digits(bind, 'cnic')} ORDER BY id")).all()
    given: dict[str, int] = {}
    for user_id, cnic in rows:
        wanted = ascii_digits(cnic)
        if wanted == cnic:
            continue
        holder = given.get(wanted) or bind.execute(
            sa.text("SELECT id FROM users WHERE cnic = :cnic"), {"cnic": wanted}
        ).scalar()
        if holder is not None:
            report("users.id %s has the CNIC of users.id %s written in other digits: not changed", user_id, holder)
            continue
        bind.execute(sa.text("UPDATE users SET cnic = :cnic WHERE id = :id"), {"cnic": wanted, "id": user_id})
        given[wanted] = user_id


def convert_dependants(bind) -> None:
    condition = f"({not_only_digits(bind, 'id_number')} OR {not_only_digits(bind, 'number_key')})"
    rows = bind.execute(
        sa.text(
            "SELECT d.id, d.user_id, d.id_number, d.number_key, d.removed_at IS NULL, u.cnic "
            f"FROM dependants d JOIN users u ON u.id = d.user_id WHERE {condition} ORDER BY d.id"
        )
    ).all()
    given: dict[tuple[int, str], int] = {}
    for dependant_id, user_id, number, key, on_account, holders_cnic in rows:
        new_number = None if number is None else ascii_digits(number)
        new_key = None if key is None else ascii_digits(key)
        if (new_number, new_key) == (number, key):
            continue
        if on_account and new_key is not None:
            # The unique index over (user_id, number_key) holds for the family members on the account now.
            other = given.get((user_id, new_key)) or bind.execute(
                sa.text(
                    "SELECT id FROM dependants WHERE user_id = :user AND number_key = :key "
                    "AND removed_at IS NULL AND id <> :id"
                ),
                {"user": user_id, "key": new_key, "id": dependant_id},
            ).scalar()
            if other is not None:
                report(
                    "dependants.id %s has the number of dependants.id %s (both of users.id %s) written in "
                    "other digits: not changed",
                    dependant_id,
                    other,
                    user_id,
                )
                continue
            given[(user_id, new_key)] = dependant_id
        bind.execute(
            sa.text("UPDATE dependants SET id_number = :number, number_key = :key WHERE id = :id"),
            {"number": new_number, "key": new_key, "id": dependant_id},
        )
        if on_account and new_number is not None and new_number == holders_cnic:
            report("dependants.id %s has the CNIC of the account holder, users.id %s", dependant_id, user_id)


def upgrade():
    bind = op.get_bind()
    convert_users(bind)  # first: a family member's number is compared with the holder's CNIC in ASCII
    convert_dependants(bind)


def downgrade():
    pass
