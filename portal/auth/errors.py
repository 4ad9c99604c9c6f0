"""Domain errors of the auth layer. Views turn them into a message on the page."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.bilingual import in_urdu
from portal.refs import isolate_in_text


class DomainError(Exception):
    """Base for every rule a service enforces; ``message`` is safe to show to the person."""

    message = _l("That could not be done.")

    def __init__(self, message=None, **params):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message
        self.params = params

    def __str__(self) -> str:
        """The message in the current language. In Urdu each reference and time of day a value put in
        it is a left-to-right isolate (LRI … PDI: plain text, for a field's error, a flash or a message
        box alike), so that "8:15 AM" does not read "AM 8:15" inside the Urdu sentence."""
        if not self.params:
            return str(self.message)
        text = str(self.message) % self.params
        return isolate_in_text(text) if in_urdu() else text


class DuplicateCNIC(DomainError):
    message = _l(
        "An account with this CNIC already exists. Please sign in, or reset your password if you have forgotten it."
    )


class CounterRecordNotProven(DomainError):
    """An online registration for a CNIC first recorded at a clinic counter whose mobile number is not
    the one the counter recorded (or the counter recorded none). Says no more than DuplicateCNIC:
    neither the recorded number nor the person's name."""

    message = _l(
        "This CNIC was registered at a clinic counter. Register with the mobile number you gave there, "
        "or ask the clinic to add your number."
    )


class DuplicateEmail(DomainError):
    message = _l("Another account already uses this email address.")


class InvalidCredentials(DomainError):
    message = _l("The CNIC or email and password do not match our records.")


class AccountLocked(DomainError):
    """``minutes``: how long until the lock ends, rounded up (one minute when less is left)."""

    def __init__(self, *, minutes: int):
        super().__init__(
            lazy_ngettext(
                "This account is locked for a while after too many wrong passwords. Please try again in "
                "%(num)s minute, or reset your password.",
                "This account is locked for a while after too many wrong passwords. Please try again in "
                "%(num)s minutes, or reset your password.",
                minutes,
            )
        )


class InvalidResetToken(DomainError):
    message = _l("This reset link has expired or has already been used. Please ask for a new one.")


class WrongPassword(DomainError):
    message = _l("Your current password is not correct.")


class FamilyMemberBusy(DomainError):
    message = _l(
        "%(name)s still has an appointment or a course place ahead. Please cancel it first, then remove "
        "%(name)s from your family members."
    )


class FamilyMemberRefused(DomainError):
    """A family member's details that cannot be right. ``field``: the form field the message belongs to."""

    field = "date_of_birth"


class OwnCNICForFamilyMember(FamilyMemberRefused):
    field = "id_number"
    message = _l("This is your own CNIC. Enter the family member's own B-form or CNIC number, or leave it empty.")


class FamilyMemberNumberTaken(FamilyMemberRefused):
    field = "id_number"
    message = _l(
        "%(name)s, already in your family members, has this number. Each person has their own B-form or "
        "CNIC number: check it, or leave it empty."
    )


class SpouseTooYoung(FamilyMemberRefused):
    message = _l(
        "A husband or wife must be at least %(years)s years old. Check the date of birth, or choose "
        "another relationship."
    )


class ParentTooYoung(FamilyMemberRefused):
    message = _l(
        "A mother or father must be at least %(years)s years older than you. Check the date of birth, "
        "or choose another relationship."
    )


class OwnSuperadminRole(DomainError):
    """A superadmin removing their own superadmin role: another superadmin does it, so that the portal
    never ends up with nobody who can give roles."""

    message = _l("You cannot remove your own superadmin role.")


class RoleAlreadyHeld(DomainError):
    message = _l("This person already has this role: nothing was changed.")


class ProvinceOfficialAlready(DomainError):
    message = _l(
        "This person is already an official for the whole province, which includes every district. To limit "
        "them to one district, remove that role first."
    )


class NotFound(DomainError):
    message = _l("Not found.")
