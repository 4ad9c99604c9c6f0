"""Domain errors of the auth layer. Views turn them into a message on the page."""

from flask_babel import lazy_gettext as _l

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


class CounterRecordNotProven(DuplicateCNIC):
    """An online registration for a CNIC first recorded at a clinic counter whose mobile number is not
    the one the counter recorded (or the counter recorded none). Answered exactly as DuplicateCNIC: a
    message of its own told anyone who typed a CNIC that its owner had been to a clinic. The person
    themselves gets in by resetting the password (the link goes to the number the counter recorded), or by
    registering with that number; a clinic admin can record a number the counter did not have."""


class DuplicateEmail(DomainError):
    message = _l("Another account already uses this email address.")


class InvalidCredentials(DomainError):
    message = _l("The CNIC or email and password do not match our records.")


class InvalidResetToken(DomainError):
    message = _l("This reset link has expired or has already been used. Please ask for a new one.")


class WrongPassword(DomainError):
    message = _l("Your current password is not correct.")


class PasswordNeeded(DomainError):
    """A new mobile number or email (where reset links go) saved without the current password."""

    message = _l("Enter your current password to change your mobile number or email.")


class FamilyMemberBusy(DomainError):
    message = _l(
        "%(name)s still has an appointment or a course place ahead. Please cancel it first, then remove "
        "%(name)s from your family members."
    )


class FamilyMemberRefused(DomainError):
    """A family member's details that cannot be right. ``field``: the form field the message belongs to."""

    field = "date_of_birth"

    def field_errors(self) -> list[tuple[str, object]]:
        """Each form field at fault with its message (one, ``field``, unless a refusal says otherwise)."""
        return [(self.field, str(self))]


class PlaceRulesRefuseDetails(FamilyMemberRefused):
    """A family member's new date of birth or gender that a rule of a course place they hold or wait
    for would refuse (the places' own package says which and why). ``errors``: each field at fault
    (date_of_birth, gender) with its message, the first the one ``field`` names."""

    def __init__(self, errors: dict[str, object]):
        first = next(iter(errors))
        super().__init__(errors[first])
        self.field, self.errors = first, errors

    def field_errors(self) -> list[tuple[str, object]]:
        return list(self.errors.items())


class OwnCNICForFamilyMember(FamilyMemberRefused):
    field = "id_number"
    message = _l("This is your own CNIC. Enter the family member's own B-form or CNIC number, or leave it empty.")


class FamilyMemberNumberTaken(FamilyMemberRefused):
    field = "id_number"
    message = _l(
        "%(name)s, already in your family members, has this number. Each person has their own B-form or "
        "CNIC number: check it, or leave it empty."
    )


class FamilyMemberIsYou(FamilyMemberRefused):
    """A family member with the account holder's own name and date of birth: the holder themselves."""

    field = "full_name"
    message = _l(
        "This is your own name and date of birth: you are on the account already. Enter the family "
        "member's own name and date of birth."
    )


class FamilyMemberTwice(FamilyMemberRefused):
    """Another family member of the account with the same name and date of birth: the same person."""

    field = "full_name"
    message = _l(
        "%(name)s, already in your family members, has this name and date of birth. Each person is "
        "listed once: check the details, or keep that one."
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
