"""Bulk enrolment from a CSV file of (CNIC, section): a dry run that shows every row's outcome in
words, then a commit that applies all rows or none, or only the valid rows, as the admin chooses.
Re-running the same file changes nothing: people already enrolled are reported as such."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.auth.errors import DomainError, NotFound
from portal.auth.models import User, format_cnic
from portal.auth.services import audit
from portal.bilingual import InLanguage, left_to_right
from portal.database import begin_write
from portal.education import services
from portal.education.eligibility import LazyDate, Message, Person
from portal.education.models import ACTIVE_STATUSES, ENROLLED, STATUSES, WAITLISTED, Course, Section
from portal.extensions import db
from portal.validation import ascii_digits, normalise_cnic

MAX_BYTES = 200_000
MAX_ROWS = 1000
MODE_ALL_OR_NONE = "all"
MODE_VALID_ONLY = "valid"
MAX_LISTED_SECTIONS = 100  # on the page, as a reminder of the numbers


@dataclass
class RowOutcome:
    line: int
    cnic: str
    section: str
    ok: bool
    text: str
    changed: bool = False  # True when the row enrols someone new
    # What the row would do, said when the run enrolled nobody (a check, or all-or-none with a problem).
    would: str = ""


@dataclass
class BulkReport:
    rows: list[RowOutcome] = field(default_factory=list)
    applied: bool = False
    committed: bool = False  # the admin asked to apply (not a dry run)
    mode: str = MODE_ALL_OR_NONE

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def changes(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.changed)


def current_sections(admin: User) -> list[Section]:
    """The admin's sections that have not ended, soonest first: their numbers go in the file."""
    ids = services.managed_institution_ids(admin)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Section)
            .join(Course, Course.id == Section.course_id)
            .where(Course.institution_id.in_(ids), Section.closed.is_(False), Section.end_date >= clock.today())
            .options(contains_eager(Section.course))
            .order_by(Section.start_date, Section.id)
            .limit(MAX_LISTED_SECTIONS)
        )
    )


def decode(raw: bytes) -> str:
    """The file's text, or InvalidCSV with a reason a person can act on."""
    if not raw or not raw.strip():
        raise services.InvalidCSV(_l("The file is empty."))
    if len(raw) > MAX_BYTES:
        raise services.InvalidCSV(
            _l("The file is too large: at most %(size)s, about %(rows)s rows."), size=max_size(), rows=MAX_ROWS
        )
    if b"\x00" in raw:
        raise services.InvalidCSV(
            _l("This is not a CSV text file. Save the sheet as %(format)s and upload that."),
            format=left_to_right("“CSV UTF-8”"),
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise services.InvalidCSV(
            _l("The file is not in %(encoding)s encoding. In your spreadsheet, choose %(menu)s and try again."),
            encoding=left_to_right("UTF-8"),
            menu=left_to_right("Save as → “CSV UTF-8”"),
        ) from None


def max_size() -> str:
    """The largest file taken, as the upload form and its error say it ("200 KB")."""
    return left_to_right(f"{MAX_BYTES // 1000} KB")


def upload_hint() -> str:
    """The hint under the upload field, each Latin part left to right on an Urdu page."""
    return _l("A %(ext)s file saved as %(format)s, at most %(size)s.") % {
        "ext": left_to_right(".csv"),
        "format": left_to_right("“CSV UTF-8”"),
        "size": max_size(),
    }


def parse(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) for each non-empty row; a header row starting with "cnic" is skipped.

    A quote mark that opens a cell and never closes it is refused with its line number: left alone,
    it would take the following lines into one cell and those rows would vanish from the report. No
    CNIC or section number spans lines, so a cell holding a line break is refused the same way."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any("\n" in cell or "\r" in cell for cell in row):
                raise csv.Error("a cell spans lines")
            rows.append(row)
    except csv.Error:
        # The row that failed starts on the line after the last one read whole (one line per row so far).
        raise services.InvalidCSV(
            _l("The file could not be read as CSV: check for a stray quote mark on line %(line)s."),
            line=len(rows) + 1,
        ) from None
    # Empty cells at the end of a row are left out: a sheet with a third column once used (or only
    # formatted) is saved with a trailing comma on every row ("35202-1234567-1,12,").
    numbered = [(i, _without_trailing_empty(row)) for i, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    if numbered and numbered[0][1] and numbered[0][1][0].lower().replace("\ufeff", "") in ("cnic", "cnic number"):
        numbered = numbered[1:]
    if not numbered:
        raise services.InvalidCSV(_l("The file has no rows to enrol."))
    if len(numbered) > MAX_ROWS:
        raise services.InvalidCSV(_l("The file has more than %(rows)s rows. Please split it."), rows=MAX_ROWS)
    return numbered


def _without_trailing_empty(row: list[str]) -> list[str]:
    cells = [c.strip() for c in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def run(admin: User, raw: bytes, *, apply: bool, mode: str = MODE_ALL_OR_NONE, ip: str | None = None) -> BulkReport:
    """Work out (dry run) or apply every row. Each row runs in a savepoint, so the outcome shown in
    a dry run is exactly what applying would do. Raises InvalidCSV for a file that cannot be read."""
    rows = parse(decode(raw))
    report = BulkReport(committed=apply, mode=mode)
    begin_write()
    # Every section of the file the admin runs, locked now in the order of their ids and held to the end
    # (before the savepoints, whose rollback would let go of a lock taken in them). Locked row by row in
    # the file's order, two of them would be taken in the opposite order to a citizen's move between them
    # (enrol locks both, by id), and one of the two would be aborted by the database's deadlock check.
    wanted = {_section_id(cells[1]) for _line, cells in rows if len(cells) == 2} - {None}
    institution_ids = services.managed_institution_ids(admin)
    if wanted and institution_ids:
        services.lock_sections(wanted, institution_ids=institution_ids)
    outer = db.session.begin_nested()
    seen: dict[tuple[str, int], RowOutcome] = {}
    for line, cells in rows:
        outcome = _row(admin, line, cells, seen, ip)
        report.rows.append(outcome)
    if not apply or (mode == MODE_ALL_OR_NONE and report.errors):
        outer.rollback()
        db.session.expire_all()
        for outcome in report.rows:
            outcome.text = outcome.would or outcome.text
        return report
    outer.commit()
    report.applied = True
    audit(
        "education.bulk_enrolment",
        actor=admin,
        ip=ip,
        rows=len(report.rows),
        changes=report.changes,
        errors=report.errors,
        mode=mode,
    )
    return report


def _section_id(text: str) -> int | None:
    """The section number a cell holds ("۱۲" in Urdu digits is section 12), or None."""
    number = ascii_digits(text.strip())
    if not (number.isascii() and number.isdigit()) or len(number) > 9:
        return None
    return int(number)


def _row(admin: User, line: int, cells: list[str], seen: dict, ip: str | None = None) -> RowOutcome:
    cnic_text = cells[0] if cells else ""
    section_text = cells[1] if len(cells) > 1 else ""

    def fail(message) -> RowOutcome:
        return RowOutcome(line, cnic_text[:20], section_text[:20], False, str(message))

    if len(cells) != 2:
        return fail(_l("Each row needs exactly two columns: CNIC, section number."))
    cnic = normalise_cnic(cnic_text)
    if cnic is None:
        return fail(_l("“%(value)s” is not a 13-digit CNIC.") % {"value": cnic_text[:20]})
    section_id = _section_id(section_text)
    if section_id is None:
        return fail(_l("“%(value)s” is not a section number.") % {"value": section_text[:20]})
    shown = RowOutcome(line, format_cnic(cnic), section_text, True, "")
    key = (cnic, section_id)
    first = seen.get(key)
    if first is not None:
        if first.ok:
            shown.text = str(Message(_l("Same as line %(line)s: nothing more to do."), line=first.line))
        else:
            shown.ok = False
            shown.text = str(Message(_l("Same as line %(line)s, which has a problem: see that line."), line=first.line))
        return shown
    seen[key] = shown  # its outcome is known by the time a later line repeats it
    user = services.db.session.scalar(services.select(User).where(User.cnic == cnic))
    if user is None:
        shown.ok, shown.text = (
            False,
            str(_l("No account has this CNIC. The person needs to register on the portal first.")),
        )
        return shown
    try:
        section = services.section_for_admin(admin, section_id)
    except NotFound:
        shown.ok = False
        shown.text = str(Message(_l("Section %(id)s is not one of your institutions' sections."), id=section_id))
        return shown
    savepoint = db.session.begin_nested()
    try:
        section = services.lock_section(section.id)
        person = Person(user)
        current = services.active_enrolment(person, section.course_id)
        if current is not None and current.section_id == section.id and current.status in ACTIVE_STATUSES:
            savepoint.rollback()
            shown.text = str(
                Message(
                    _l("Already on this section (%(ref)s, %(status)s): nothing to do."),
                    ref=current.reference,
                    status=STATUSES[current.status],
                )
            )
            return shown
        if section.closed:
            raise services.SectionUnavailable()
        if section.end_date < clock.today():
            # The enrolment window is the admin's to override (late joiners), the course's end is not.
            raise services.SectionUnavailable(
                _l("Section %(id)s ended on %(date)s: nobody can be enrolled in it any more."),
                id=section.id,
                date=LazyDate(section.end_date),
            )
        enrolment = services.place(section, person, approval=False, token=None, source="bulk")
        audit("education.enrolment.bulk_enrolled", actor=admin, target=enrolment, ip=ip, reference=enrolment.reference)
        services._notify_outcome(enrolment)
        savepoint.commit()
    except services.PlaceInAnotherCohort as exc:
        # The citizen's advice (leave it in My courses) is not the admin's to follow.
        savepoint.rollback()
        shown.ok = False
        shown.text = str(
            Message(
                _l("%(situation)s To enrol them here, first remove them from that cohort on its roster."),
                situation=exc.situation(),
            )
        )
        return shown
    except DomainError as exc:
        savepoint.rollback()
        shown.ok, shown.text = False, str(exc)
        return shown
    shown.changed = True
    if enrolment.status == ENROLLED:
        course = InLanguage(section.course.title, section.course.title_ur)
        shown.text = str(Message(_l("%(name)s: enrolled in %(course)s."), name=user.full_name, course=course))
        shown.would = str(Message(_l("%(name)s: would be enrolled in %(course)s."), name=user.full_name, course=course))
    elif enrolment.status == WAITLISTED:
        position = services.waitlist_position(enrolment)
        shown.text = str(
            Message(
                _l("%(name)s: no seat left, number %(position)s on the waitlist."),
                name=user.full_name,
                position=position,
            )
        )
        shown.would = str(
            Message(
                _l("%(name)s: no seat left, would be number %(position)s on the waitlist."),
                name=user.full_name,
                position=position,
            )
        )
    return shown
