"""Bulk enrolment from CSV: dry run, all-or-none, valid-rows-only, re-runs, and bad files."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.models import AuditEvent, format_cnic
from portal.education import bulk, services
from portal.education.models import Enrolment, Section
from portal.extensions import db


def count():
    return db.session.scalar(select(func.count(Enrolment.id)))


@pytest.fixture
def setup(make_user, make_section, school_admin):
    section = make_section(capacity=2)
    admin = school_admin(section.course.institution)
    people = [make_user(full_name=f"Person {i}") for i in range(3)]
    return admin, section, people


def csv_of(*rows, header=True):
    lines = (["cnic,section"] if header else []) + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def test_dry_run_shows_each_outcome_and_changes_nothing(setup):
    admin, section, people = setup
    raw = csv_of(*[(format_cnic(p.cnic), section.id) for p in people])
    report = bulk.run(admin, raw, apply=False)
    db.session.commit()
    assert [r.ok for r in report.rows] == [True, True, True]
    assert [r.line for r in report.rows] == [2, 3, 4]
    # Nobody was enrolled: each row says what it would do.
    assert report.rows[0].text == f"Person 0: would be enrolled in {section.course.title}."
    assert report.rows[2].text == "Person 2: no seat left, would be number 1 on the waitlist."
    assert not report.applied and count() == 0
    db.session.expire_all()
    assert db.session.get(Section, section.id).enrolled_count == 0


def test_apply_and_rerun_does_not_duplicate(setup):
    admin, section, people = setup
    raw = csv_of(*[(p.cnic, section.id) for p in people])
    report = bulk.run(admin, raw, apply=True)
    db.session.commit()
    assert report.applied and report.changes == 3 and count() == 3
    assert report.rows[0].text == f"Person 0: enrolled in {section.course.title}."
    assert report.rows[2].text == "Person 2: no seat left, number 1 on the waitlist."
    again = bulk.run(admin, raw, apply=True)
    db.session.commit()
    assert again.changes == 0 and again.errors == 0 and count() == 3
    assert all("nothing to do" in r.text for r in again.rows)
    db.session.expire_all()
    assert db.session.get(Section, section.id).enrolled_count == 2
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "education.bulk_enrolment")) == 2
    )


def test_each_row_enrolled_from_a_file_is_audited_with_the_admins_address(setup):
    admin, section, people = setup
    bulk.run(admin, csv_of(*[(p.cnic, section.id) for p in people[:2]]), apply=True, ip="10.1.2.3")
    db.session.commit()
    rows = db.session.execute(select(AuditEvent.action, AuditEvent.ip).order_by(AuditEvent.id)).all()
    assert [action for action, _ip in rows] == ["education.enrolment.bulk_enrolled"] * 2 + ["education.bulk_enrolment"]
    assert {ip for _action, ip in rows} == {"10.1.2.3"}


def test_all_or_none_applies_nothing_when_a_row_is_wrong(setup):
    admin, section, people = setup
    raw = csv_of((people[0].cnic, section.id), ("35202-0000000-0", section.id), ("12345", section.id))
    report = bulk.run(admin, raw, apply=True, mode=bulk.MODE_ALL_OR_NONE)
    db.session.commit()
    assert not report.applied and count() == 0
    assert report.rows[0].text == f"Person 0: would be enrolled in {section.course.title}."
    assert report.rows[1].text == "No account has this CNIC. The person needs to register on the portal first."
    assert report.rows[2].text == "“12345” is not a 13-digit CNIC."


def test_valid_rows_only(setup):
    admin, section, people = setup
    raw = csv_of((people[0].cnic, section.id), ("35202-0000000-0", section.id), (people[1].cnic, "abc"))
    report = bulk.run(admin, raw, apply=True, mode=bulk.MODE_VALID_ONLY)
    db.session.commit()
    assert report.applied and report.changes == 1 and report.errors == 2 and count() == 1
    assert report.rows[2].text == "“abc” is not a section number."


def test_a_section_number_written_with_other_digits_is_a_row_problem_not_an_error_page(setup):
    admin, section, people = setup
    raw = csv_of((people[0].cnic, "²"), (people[1].cnic, "9" * 30))
    report = bulk.run(admin, raw, apply=False, mode=bulk.MODE_VALID_ONLY)
    texts = [row.text for row in report.rows]
    assert texts == ["“²” is not a section number.", f"“{'9' * 20}” is not a section number."]


def test_sections_of_other_institutions_and_duplicates(setup, make_section):
    admin, section, people = setup
    elsewhere = make_section()
    raw = csv_of((people[0].cnic, elsewhere.id), (people[1].cnic, section.id), (people[1].cnic, section.id),
                 (people[2].cnic, section.id, "extra"))  # fmt: skip
    report = bulk.run(admin, raw, apply=False)
    assert report.rows[0].text == f"Section {elsewhere.id} is not one of your institutions' sections."
    assert report.rows[2].ok and report.rows[2].text == "Same as line 3: nothing more to do."
    assert report.rows[3].text == "Each row needs exactly two columns: CNIC, section number."


def test_rows_with_empty_trailing_columns_are_read(setup):
    """A sheet with a third column once used (or only formatted) is saved with a trailing comma on every
    row: the empty cells at the end are left out, and a third cell with something in it is still refused."""
    admin, section, people = setup
    raw = (
        "CNIC,Section,\r\n"
        f"{format_cnic(people[0].cnic)},{section.id},\r\n"
        f"{format_cnic(people[1].cnic)},{section.id}, ,\r\n"
        f"{format_cnic(people[2].cnic)},{section.id},,note\r\n"
    ).encode()
    report = bulk.run(admin, raw, apply=True, mode=bulk.MODE_VALID_ONLY)
    db.session.commit()
    assert [r.ok for r in report.rows] == [True, True, False], [r.text for r in report.rows]
    assert report.rows[2].text == "Each row needs exactly two columns: CNIC, section number."
    assert count() == 2


def test_ineligible_rows_say_why(setup, add_rule, make_user):
    admin, section, people = setup
    add_rule(section=section, kind="gender", gender="male")
    report = bulk.run(admin, csv_of((people[0].cnic, section.id)), apply=False)
    assert report.rows[0].text == "This cohort is for men and boys only."


def test_full_without_waitlist_is_a_row_error(setup):
    admin, section, people = setup
    section.waitlist_enabled = False
    db.session.commit()
    report = bulk.run(admin, csv_of(*[(p.cnic, section.id) for p in people]), apply=False)
    assert [r.ok for r in report.rows] == [True, True, False]
    assert report.rows[2].text == "This cohort is full and has no waitlist."


def test_header_is_optional_and_bom_is_accepted(setup):
    admin, section, people = setup
    raw = "\ufeff".encode() + csv_of((people[0].cnic, section.id), header=False)
    assert bulk.run(admin, raw, apply=False).rows[0].ok


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n\n", "The file is empty."),
        (b"cnic,section\n", "The file has no rows to enrol."),
        ("cnic,section\n3520212345671,1\n".encode("utf-16"), "This is not a CSV text file."),
        (b"cnic,section\n\xff\xfe\xfa,1\n", "The file is not in UTF-8 encoding."),
        (b"x" * (bulk.MAX_BYTES + 1), "The file is too large"),
        (("1,1\n" * (bulk.MAX_ROWS + 1)).encode(), "more than 1000 rows"),
    ],
)
def test_unreadable_files_are_refused_cleanly(setup, raw, message):
    admin, _section, _people = setup
    with pytest.raises(services.InvalidCSV) as info:
        bulk.run(admin, raw, apply=False)
    assert message in str(info.value)


def test_an_unmatched_quote_is_reported_with_its_line_instead_of_swallowing_rows(setup):
    """Left to the lenient reader, line 3's quote took line 4 into its cell: line 4 vanished from the report."""
    admin, section, people = setup
    raw = f'cnic,section\n{people[0].cnic},{section.id}\n"unterminated,5\n{people[1].cnic},{section.id}\n'.encode()
    with pytest.raises(services.InvalidCSV) as info:
        bulk.run(admin, raw, apply=False)
    assert str(info.value) == "The file could not be read as CSV: check for a stray quote mark on line 3."
    # Closed again further down, the quote still made one cell of several lines: refused the same way.
    closed_later = f'cnic,section\n"{people[0].cnic},{section.id}\n{people[1].cnic}",{section.id}\n'.encode()
    with pytest.raises(services.InvalidCSV, match="on line 2"):
        bulk.run(admin, closed_later, apply=False)
    # Quoted cells on one line are fine.
    assert bulk.run(admin, f'"{people[0].cnic}","{section.id}"\n'.encode(), apply=False).errors == 0


def test_a_section_that_has_ended_is_a_row_error(setup, make_section):
    admin, section, people = setup
    ended = make_section(course=section.course, start_date=date(2026, 1, 5), end_date=date(2026, 2, 27),
                         enrol_opens=date(2025, 12, 1), enrol_closes=date(2026, 1, 5))  # fmt: skip
    started = make_section(course=section.course, start_date=date(2026, 2, 2), end_date=date(2026, 3, 2),
                           enrol_opens=date(2026, 1, 1), enrol_closes=date(2026, 2, 1))  # fmt: skip
    report = bulk.run(admin, csv_of((people[0].cnic, ended.id), (people[1].cnic, started.id)), apply=True, mode="valid")
    db.session.commit()
    assert [r.ok for r in report.rows] == [False, True]
    assert (
        report.rows[0].text == f"Section {ended.id} ended on 27 February 2026: nobody can be enrolled in it any more."
    )
    # Its last day (today) has not passed, and the enrolment window is the admin's to override.
    assert "enrolled in" in report.rows[1].text
    assert count() == 1


def test_a_line_repeating_a_line_with_a_problem_says_so(setup, make_section):
    admin, section, people = setup
    elsewhere = make_section()
    raw = csv_of((people[0].cnic, elsewhere.id), (people[0].cnic, elsewhere.id), (people[1].cnic, section.id),
                 (people[1].cnic, section.id))  # fmt: skip
    report = bulk.run(admin, raw, apply=False)
    assert [r.ok for r in report.rows] == [False, False, True, True]
    assert report.rows[1].text == "Same as line 2, which has a problem: see that line."
    assert report.rows[3].text == "Same as line 4: nothing more to do."


def test_someone_in_another_cohort_is_told_to_the_admin_in_staff_words(setup, make_section, make_user):
    admin, section, people = setup
    other = make_section(course=section.course, name="Evening")
    services.enrol(people[0], other.id)
    db.session.commit()
    report = bulk.run(admin, csv_of((people[0].cnic, section.id)), apply=True, mode=bulk.MODE_VALID_ONLY)
    reference = db.session.scalar(select(Enrolment.reference))
    assert not report.rows[0].ok
    assert report.rows[0].text == (
        f"Person 0 already has a seat in another cohort of this course: Evening ({reference}). "
        "To enrol them here, first remove them from that cohort on its roster."
    )
    assert "My courses" not in report.rows[0].text
