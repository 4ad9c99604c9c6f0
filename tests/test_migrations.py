"""`flask db upgrade` builds the whole schema from an empty database, on SQLite and PostgreSQL,
and the result matches the models exactly (Alembic's autogenerate finds nothing to add)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


def flask_db(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "PORTAL_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "migration-test-secret-key-0123456789abcdef",
    }
    result = subprocess.run(
        [FLASK, "db", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, f"flask db {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def schema_differences(url: str) -> list:
    import portal.models  # noqa: F401  (every table on the metadata)

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def check_upgrade_from_empty(url: str) -> None:
    assert table_names(url) == set()
    flask_db(url, "upgrade")
    tables = table_names(url)
    assert {"users", "dependants", "role_assignments", "audit_events", "password_reset_tokens", "messages"} <= tables
    assert "alembic_version" in tables
    differences = schema_differences(url)
    assert differences == [], f"the migrations and the models differ: {differences}"
    heads = flask_db(url, "heads").stdout
    current = flask_db(url, "current").stdout
    assert heads.split()[0] in current
    # Upgrading again changes nothing; downgrading to nothing and back works too.
    flask_db(url, "upgrade")
    flask_db(url, "downgrade", "base")
    assert table_names(url) <= {"alembic_version"}
    flask_db(url, "upgrade")
    assert schema_differences(url) == []


def test_upgrade_from_empty_sqlite(tmp_path):
    check_upgrade_from_empty(f"sqlite:///{tmp_path / 'migrated.db'}")


@contextmanager
def postgres_schema():
    """(admin engine, URL of a new empty schema on TEST_DATABASE_URL, its name); dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    require(bool(base), "TEST_DATABASE_URL is not set, so the PostgreSQL migration test cannot run")
    base = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", base)
    schema = f"migrations_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any connection problem is reported the same way
        admin.dispose()
        require(False, f"PostgreSQL at TEST_DATABASE_URL does not answer ({exc.__class__.__name__})")
    sep = "&" if "?" in base else "?"
    try:
        yield admin, f"{base}{sep}options=-csearch_path%3D{schema}", schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_upgrade_from_empty_postgresql():
    with postgres_schema() as (admin, url, schema):
        check_upgrade_from_empty(url)
        with admin.connect() as conn:
            tables = conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
            ).scalars()
            assert "users" in set(tables)


URDU_COLUMNS = {
    "health_clinics": {"name_ur"},
    "health_services": {"name_ur"},
    "edu_courses": {"title_ur", "description_ur"},
    "edu_institutions": {"name_ur"},
}


def columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def check_urdu_names_migration(url: str) -> None:
    """0010 adds the Urdu columns to tables that already hold rows (left without Urdu), and takes them
    away again on downgrade, keeping the rows."""
    flask_db(url, "upgrade", "0009_dashboard_slot_holders")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO health_clinics (id, name, type, district, address, active, created_at) VALUES "
                    "(1, 'Mayo Hospital OPD', 'teaching_opd', 'Lahore', 'Hospital Road', true, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO health_services (id, clinic_id, name, slot_minutes, places_per_slot, "
                    "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) "
                    "VALUES (1, 1, 'General OPD', 15, 1, 2, 14, 2, true, CURRENT_TIMESTAMP)"
                )
            )
        flask_db(url, "upgrade")
        for table, added in URDU_COLUMNS.items():
            assert added <= columns(url, table), table
        with engine.begin() as conn:
            assert conn.execute(text("SELECT name, name_ur FROM health_services")).one() == ("General OPD", None)
            conn.execute(text("UPDATE health_services SET name_ur = :ur"), {"ur": "جنرل او پی ڈی"})
            assert conn.execute(text("SELECT name_ur FROM health_services")).scalar_one() == "جنرل او پی ڈی"
        flask_db(url, "downgrade", "0009_dashboard_slot_holders")
        for table, added in URDU_COLUMNS.items():
            assert not added & columns(url, table), table
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM health_services")).scalar_one() == "General OPD"
            assert conn.execute(text("SELECT name FROM health_clinics")).scalar_one() == "Mayo Hospital OPD"
    finally:
        engine.dispose()


def test_urdu_names_migration_sqlite(tmp_path):
    check_urdu_names_migration(f"sqlite:///{tmp_path / 'urdu.db'}")


def test_urdu_names_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_urdu_names_migration(url)


def check_downgrade_keeps_family_members_records(url: str) -> None:
    """Downgrading past 0008 (a batch operation on SQLite: the table copied, the old one dropped) keeps
    the family members and what refers to them: with foreign keys on during the migration, dropping
    the old `dependants` table turned their appointments into the account holder's (ON DELETE SET NULL)."""
    flask_db(url, "upgrade", "0008_dependants_removed")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, full_name, cnic, preferred_language, session_token, failed_logins, "
                    f"active, created_at) VALUES (1, 'Ayesha Khan', '3520212345671', 'ur', 't', 0, true, {now})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO dependants (id, user_id, full_name, relationship, date_of_birth, gender, "
                    f"created_at) VALUES (1, 1, 'Hamza Khan', 'child', '2019-05-01', 'male', {now})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO health_clinics (id, name, type, district, address, active, created_at) VALUES "
                    f"(1, 'Mayo Hospital OPD', 'teaching_opd', 'Lahore', 'Hospital Road', true, {now})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO health_services (id, clinic_id, name, slot_minutes, places_per_slot, "
                    "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) "
                    f"VALUES (1, 1, 'Child immunisation', 15, 1, 2, 14, 2, true, {now})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO health_appointments (id, reference, arrival_code, user_id, dependant_id, "
                    "clinic_id, service_id, visit_date, status, walk_in, cancelled_by_clinic, created_at, "
                    "updated_at) VALUES (1, 'H-AAAA-BBBB', 'C1', 1, 1, 1, 1, '2026-12-08', 'booked', false, "
                    f"false, {now}, {now})"
                )
            )
        flask_db(url, "downgrade", "0007_dashboard_unmet")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT full_name FROM dependants")).scalar_one() == "Hamza Khan"
            assert conn.execute(text("SELECT dependant_id FROM health_appointments")).scalar_one() == 1
    finally:
        engine.dispose()


def test_downgrade_keeps_family_members_records_sqlite(tmp_path):
    check_downgrade_keeps_family_members_records(f"sqlite:///{tmp_path / 'family.db'}")


def test_downgrade_keeps_family_members_records_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_downgrade_keeps_family_members_records(url)


def enrolment_rows(now: str, *, address: str = "", venue: str = "", status: str = "enrolled") -> tuple[str, ...]:
    """INSERTs of a person enrolled in a section of a course of an institution (ids 1), as the tables
    stood from 0010 to 0013, for the migration tests that need rows hanging from one another."""
    return (
        "INSERT INTO users (id, full_name, cnic, preferred_language, session_token, failed_logins, active, "
        f"created_at) VALUES (1, 'Ayesha Khan', '3520212345671', 'ur', 't', 0, true, {now})",
        "INSERT INTO edu_institutions (id, name, type, district, address, contact, active, created_at) "
        f"VALUES (1, 'Rawalpindi IT Skills Centre', 'it_centre', 'Rawalpindi', '{address}', '', true, {now})",
        "INSERT INTO edu_courses (id, institution_id, title, category, description, level, language, mode, "
        "duration, fee_paisa, certificate, active, created_at) VALUES (1, 1, 'Digital Skills', 'digital', "
        f"'', 'beginner', 'ur', 'on_site', '', 0, true, true, {now})",
        "INSERT INTO edu_sections (id, course_id, name, start_date, end_date, meeting_days, venue, capacity, "
        "enrolled_count, reserved_seats, reserved_taken, reserved_released, enrol_opens, enrol_closes, "
        "needs_approval, waitlist_enabled, closed, created_at) VALUES (1, 1, '', '2026-01-05', '2026-02-27', "
        f"'mon', '{venue}', 10, {int(status == 'enrolled')}, 0, 0, false, '2025-12-01', '2026-01-05', false, true, "
        f"false, {now})",
        "INSERT INTO edu_enrolments (id, reference, user_id, person_key, section_id, course_id, status, "
        f"source, created_at, updated_at) VALUES (1, 'E-AAAA-BBBB', 1, 'u1', 1, 1, '{status}', 'web', {now}, "
        f"{now})",
    )


def check_certificate_urdu_names_migration(url: str) -> None:
    """0011 adds the Urdu copies of a certificate's course title and institution name; a certificate
    issued before keeps its English details (and NULL Urdu ones); downgrading removes them, keeping it."""
    flask_db(url, "upgrade", "0010_urdu_names")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    try:
        with engine.begin() as conn:
            for statement in (
                *enrolment_rows(now, status="completed"),
                "INSERT INTO edu_certificates (id, enrolment_id, code, holder_name, course_title, institution_name, "
                "institution_district, start_date, end_date, issued_at) VALUES (1, 1, 'VA7FV9F9QA', 'Ayesha Khan', "
                f"'Digital Skills', 'Rawalpindi IT Skills Centre', 'Rawalpindi', '2026-01-05', '2026-02-27', {now})",
            ):
                conn.execute(text(statement))
        flask_db(url, "upgrade")
        added = {"course_title_ur", "institution_name_ur"}
        assert added <= columns(url, "edu_certificates")
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT course_title, course_title_ur, institution_name_ur FROM edu_certificates")
            ).one()
            assert tuple(row) == ("Digital Skills", None, None)
            conn.execute(text("UPDATE edu_certificates SET course_title_ur = :ur"), {"ur": "ڈیجیٹل مہارتیں"})
        flask_db(url, "downgrade", "0010_urdu_names")
        assert not added & columns(url, "edu_certificates")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT code, course_title FROM edu_certificates")).one() == (
                "VA7FV9F9QA",
                "Digital Skills",
            )
    finally:
        engine.dispose()


def test_certificate_urdu_names_migration_sqlite(tmp_path):
    check_certificate_urdu_names_migration(f"sqlite:///{tmp_path / 'certificates.db'}")


def test_certificate_urdu_names_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_certificate_urdu_names_migration(url)


PLACE_COLUMNS = {"health_clinics": "address_ur", "edu_institutions": "address_ur", "edu_sections": "venue_ur"}


def check_urdu_places_migration(url: str) -> None:
    """0012 adds the Urdu address of a clinic and an institution and the Urdu venue of a section to
    tables that already hold rows (left NULL: shown in English), and takes them away on downgrade,
    keeping the rows and those that hang from them (a clinic's service, a section's enrolment)."""
    flask_db(url, "upgrade", "0011_certificate_urdu_names")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    try:
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO health_clinics (id, name, type, district, address, active, created_at) VALUES "
                f"(1, 'Mayo Hospital OPD', 'teaching_opd', 'Lahore', '12 Hospital Road, Lahore', true, {now})",
                "INSERT INTO health_services (id, clinic_id, name, slot_minutes, places_per_slot, "
                "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) "
                f"VALUES (1, 1, 'General OPD', 15, 1, 2, 14, 2, true, {now})",
                *enrolment_rows(now, address="Murree Road", venue="Room 4"),
            ):
                conn.execute(text(statement))
        flask_db(url, "upgrade")
        for table, added in PLACE_COLUMNS.items():
            assert added in columns(url, table), table
        with engine.begin() as conn:
            assert tuple(conn.execute(text("SELECT address, address_ur FROM health_clinics")).one()) == (
                "12 Hospital Road, Lahore",
                None,
            )
            assert tuple(conn.execute(text("SELECT venue, venue_ur FROM edu_sections")).one()) == ("Room 4", None)
            conn.execute(text("UPDATE health_clinics SET address_ur = :ur"), {"ur": "12 ہسپتال روڈ، لاہور"})
            conn.execute(text("UPDATE edu_institutions SET address_ur = :ur"), {"ur": "مری روڈ"})
            conn.execute(text("UPDATE edu_sections SET venue_ur = :ur"), {"ur": "کمرہ 4"})
            assert conn.execute(text("SELECT address_ur FROM health_clinics")).scalar_one() == "12 ہسپتال روڈ، لاہور"
        flask_db(url, "downgrade", "0011_certificate_urdu_names")
        for table, added in PLACE_COLUMNS.items():
            assert added not in columns(url, table), table
        with engine.connect() as conn:
            assert conn.execute(text("SELECT address FROM health_clinics")).scalar_one() == "12 Hospital Road, Lahore"
            assert conn.execute(text("SELECT name FROM health_services")).scalar_one() == "General OPD"
            assert conn.execute(text("SELECT venue FROM edu_sections")).scalar_one() == "Room 4"
            assert conn.execute(text("SELECT reference FROM edu_enrolments")).scalar_one() == "E-AAAA-BBBB"
    finally:
        engine.dispose()


def test_urdu_places_migration_sqlite(tmp_path):
    check_urdu_places_migration(f"sqlite:///{tmp_path / 'places.db'}")


def test_urdu_places_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_urdu_places_migration(url)


COHORT_COLUMNS = {
    "edu_sections": "name_ur",
    "health_closures": "reason_ur",
    "health_appointments": "cancelled_reason_ur",
}


def check_urdu_cohorts_migration(url: str) -> None:
    """0013 adds the Urdu name of a section, the Urdu reason of a closure and the Urdu reason an
    appointment was cancelled for to tables that already hold rows (left NULL: shown in English), and
    takes them away on downgrade, keeping the rows and those that hang from them."""
    flask_db(url, "upgrade", "0012_urdu_places")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    try:
        with engine.begin() as conn:
            for statement in (
                *enrolment_rows(now, venue="Room 4"),
                "UPDATE edu_sections SET name = 'Evening cohort'",
                "INSERT INTO health_clinics (id, name, type, district, address, active, created_at) VALUES "
                f"(1, 'Mayo Hospital OPD', 'teaching_opd', 'Lahore', 'Hospital Road, Lahore', true, {now})",
                "INSERT INTO health_services (id, clinic_id, name, slot_minutes, places_per_slot, "
                "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) "
                f"VALUES (1, 1, 'General OPD', 15, 1, 2, 14, 2, true, {now})",
                "INSERT INTO health_closures (id, clinic_id, service_id, start_date, end_date, reason, created_at) "
                f"VALUES (1, 1, NULL, '2026-03-23', '2026-03-23', 'Pakistan Day', {now})",
                "INSERT INTO health_appointments (id, reference, arrival_code, user_id, clinic_id, service_id, "
                "visit_date, status, walk_in, cancelled_reason, cancelled_by_clinic, created_at, updated_at) "
                "VALUES (1, 'H-AAAA-BBBB', 'C1', 1, 1, 1, '2026-03-23', 'cancelled', false, 'Pakistan Day', true, "
                f"{now}, {now})",
            ):
                conn.execute(text(statement))
        flask_db(url, "upgrade")
        for table, added in COHORT_COLUMNS.items():
            assert added in columns(url, table), table
        with engine.begin() as conn:
            assert tuple(conn.execute(text("SELECT name, name_ur FROM edu_sections")).one()) == ("Evening cohort", None)
            assert tuple(conn.execute(text("SELECT reason, reason_ur FROM health_closures")).one()) == (
                "Pakistan Day",
                None,
            )
            assert tuple(
                conn.execute(text("SELECT cancelled_reason, cancelled_reason_ur FROM health_appointments")).one()
            ) == ("Pakistan Day", None)
            conn.execute(text("UPDATE edu_sections SET name_ur = :ur"), {"ur": "شام کا گروپ"})
            conn.execute(text("UPDATE health_closures SET reason_ur = :ur"), {"ur": "یومِ پاکستان"})
            conn.execute(text("UPDATE health_appointments SET cancelled_reason_ur = :ur"), {"ur": "یومِ پاکستان"})
            assert conn.execute(text("SELECT name_ur FROM edu_sections")).scalar_one() == "شام کا گروپ"
        flask_db(url, "downgrade", "0012_urdu_places")
        for table, added in COHORT_COLUMNS.items():
            assert added not in columns(url, table), table
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM edu_sections")).scalar_one() == "Evening cohort"
            assert conn.execute(text("SELECT reference FROM edu_enrolments")).scalar_one() == "E-AAAA-BBBB"
            assert conn.execute(text("SELECT reason FROM health_closures")).scalar_one() == "Pakistan Day"
            assert tuple(conn.execute(text("SELECT reference, cancelled_reason FROM health_appointments")).one()) == (
                "H-AAAA-BBBB",
                "Pakistan Day",
            )
            assert conn.execute(text("SELECT name FROM health_services")).scalar_one() == "General OPD"
    finally:
        engine.dispose()


def test_urdu_cohorts_migration_sqlite(tmp_path):
    check_urdu_cohorts_migration(f"sqlite:///{tmp_path / 'cohorts.db'}")


def test_urdu_cohorts_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_urdu_cohorts_migration(url)


KEY_COLUMNS = {
    "health_clinics": "name_key",
    "health_services": "name_key",
    "edu_courses": "title_key",
    "dependants": "number_key",
}


def check_unique_names_migration(url: str) -> None:
    """0019 keys names on tables that already hold rows alike (saved before the checks in Python): the
    upgrade succeeds, the first of each keeps the plain key and the later ones theirs followed by their
    id, no name or number changes, the indexes then refuse a row alike, and the downgrade takes the keys
    away again, keeping every row."""
    flask_db(url, "upgrade", "0018_appointment_revisions")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    clinic = "INSERT INTO health_clinics (id, name, type, district, address, active, created_at) VALUES "
    service = (
        "INSERT INTO health_services (id, clinic_id, name, slot_minutes, places_per_slot, min_notice_hours, "
        "horizon_days, cancel_cutoff_hours, active, created_at) VALUES "
    )
    dependant = (
        "INSERT INTO dependants (id, user_id, full_name, relationship, date_of_birth, gender, id_number, "
        "removed_at, created_at) VALUES "
    )
    course = (
        "INSERT INTO edu_courses (id, institution_id, title, category, description, level, language, mode, "
        "duration, fee_paisa, certificate, active, created_at) VALUES "
    )
    try:
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO users (id, full_name, cnic, preferred_language, failed_logins, active, created_at) "
                f"VALUES (1, 'Ayesha Khan', '3520212345671', 'ur', 0, true, {now})",
                *enrolment_rows(now)[1:3],  # an institution (1) and its course 1, 'Digital Skills'
                f"{clinic}(1, 'Mayo Hospital OPD', 'teaching_opd', 'Lahore', 'Hospital Road', true, {now})",
                f"{clinic}(2, 'mayo  hospital OPD', 'bhu', 'Lahore', 'Jail Road', true, {now})",
                f"{clinic}(3, 'MAYO HOSPITAL OPD', 'bhu', 'Lahore', 'Mall Road', false, {now})",
                f"{clinic}(4, 'Mayo Hospital OPD', 'dhq', 'Rawalpindi', 'Murree Road', true, {now})",
                f"{clinic}(5, 'Straße Clinic', 'bhu', 'Lahore', 'Canal Road', true, {now})",
                f"{clinic}(6, 'STRASSE clinic', 'bhu', 'Lahore', 'Canal Road', true, {now})",
                f"{service}(1, 1, 'General OPD', 15, 1, 2, 14, 2, true, {now})",
                f"{service}(2, 1, 'general  opd ', 15, 1, 2, 14, 2, true, {now})",
                f"{service}(3, 2, 'General OPD', 15, 1, 2, 14, 2, true, {now})",
                f"{course}(2, 1, ' digital  SKILLS', 'digital', '', 'beginner', 'ur', 'online', '', 0, true, true, "
                f"{now})",
                f"{dependant}(1, 1, 'Hamza Khan', 'child', '2016-02-03', 'male', '3520276543212', NULL, {now})",
                f"{dependant}(2, 1, 'Zainab Khan', 'child', '2019-08-19', 'female', '3520276543212', NULL, {now})",
                f"{dependant}(3, 1, 'Hamza K.', 'child', '2016-02-03', 'male', '3520276543212', {now}, {now})",
                f"{dependant}(4, 1, 'Rashid Khan', 'parent', '1958-06-01', 'male', NULL, NULL, {now})",
                f"{dependant}(5, 1, 'Sara Khan', 'child', '2018-01-01', 'female', NULL, NULL, {now})",
            ):
                conn.execute(text(statement))
        flask_db(url, "upgrade")
        for table, key in KEY_COLUMNS.items():
            assert key in columns(url, table), table
        with engine.begin() as conn:

            def rows(sql: str) -> list[tuple]:
                return [tuple(row) for row in conn.execute(text(sql))]

            assert rows("SELECT id, name, name_key FROM health_clinics ORDER BY id") == [
                (1, "Mayo Hospital OPD", "mayo hospital opd"),
                (2, "mayo  hospital OPD", "mayo hospital opd  #2"),
                (3, "MAYO HOSPITAL OPD", "mayo hospital opd  #3"),
                (4, "Mayo Hospital OPD", "mayo hospital opd"),  # another district
                (5, "Straße Clinic", "strasse clinic"),  # casefolded in Python: SQLite's lower() keeps ß
                (6, "STRASSE clinic", "strasse clinic  #6"),
            ]
            assert rows("SELECT id, name, name_key FROM health_services ORDER BY id") == [
                (1, "General OPD", "general opd"),
                (2, "general  opd ", "general opd  #2"),
                (3, "General OPD", "general opd"),  # another clinic
            ]
            assert rows("SELECT id, title, title_key FROM edu_courses ORDER BY id") == [
                (1, "Digital Skills", "digital skills"),
                (2, " digital  SKILLS", "digital skills  #2"),
            ]
            # The family keep their numbers; the later one on the account is kept apart by its key. One
            # taken off keeps the number as its key (it holds none); those without a number have none.
            assert rows("SELECT id, id_number, number_key FROM dependants ORDER BY id") == [
                (1, "3520276543212", "3520276543212"),
                (2, "3520276543212", "3520276543212  #2"),
                (3, "3520276543212", "3520276543212"),
                (4, None, None),
                (5, None, None),
            ]
            assert rows("SELECT count(*) FROM health_clinics WHERE name_key = ''") == [(0,)]
            # The database holds the rules now: a row alike, inserted directly, is refused.
            for statement in (
                "INSERT INTO health_clinics (id, name, name_key, type, district, address, active, created_at) "
                f"VALUES (7, 'Mayo Hospital OPD', 'mayo hospital opd', 'bhu', 'Lahore', 'x', true, {now})",
                "INSERT INTO health_services (id, clinic_id, name, name_key, slot_minutes, places_per_slot, "
                "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) "
                f"VALUES (4, 1, 'General OPD', 'general opd', 15, 1, 2, 14, 2, true, {now})",
                "INSERT INTO edu_courses (id, institution_id, title, title_key, category, description, level, "
                "language, mode, duration, fee_paisa, certificate, active, created_at) VALUES (3, 1, 'Digital "
                f"Skills', 'digital skills', 'digital', '', 'beginner', 'ur', 'online', '', 0, true, true, {now})",
                "INSERT INTO dependants (id, user_id, full_name, relationship, date_of_birth, gender, id_number, "
                f"number_key, created_at) VALUES (6, 1, 'Ali Khan', 'child', '2020-01-01', 'male', '3520276543212', "
                f"'3520276543212', {now})",
            ):
                with pytest.raises(IntegrityError), engine.begin() as other:
                    other.execute(text(statement))
            # Family members without a number, and more with the number taken off the account, are fine.
            conn.execute(
                text(
                    "INSERT INTO dependants (id, user_id, full_name, relationship, date_of_birth, gender, id_number, "
                    f"number_key, removed_at, created_at) VALUES (6, 1, 'Ali Khan', 'child', '2020-01-01', 'male', "
                    f"NULL, NULL, NULL, {now}), (7, 1, 'Ali K.', 'child', '2020-01-01', 'male', '3520276543212', "
                    f"'3520276543212', {now}, {now})"
                )
            )
        flask_db(url, "downgrade", "0018_appointment_revisions")
        for table, key in KEY_COLUMNS.items():
            assert key not in columns(url, table), table
        with engine.connect() as conn:
            assert [tuple(row) for row in conn.execute(text("SELECT id, name FROM health_clinics ORDER BY id"))][
                :3
            ] == [
                (1, "Mayo Hospital OPD"),
                (2, "mayo  hospital OPD"),
                (3, "MAYO HOSPITAL OPD"),
            ]
            assert conn.execute(text("SELECT count(*) FROM health_services")).scalar_one() == 3
            assert conn.execute(text("SELECT count(*) FROM edu_courses")).scalar_one() == 2
            assert (
                conn.execute(text("SELECT count(*) FROM dependants WHERE id_number = '3520276543212'")).scalar_one()
                == 4
            )
        # And up again: the keys come back the same.
        flask_db(url, "upgrade")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name_key FROM health_clinics WHERE id = 3")).scalar_one() == (
                "mayo hospital opd  #3"
            )
    finally:
        engine.dispose()


def test_unique_names_migration_sqlite(tmp_path):
    check_unique_names_migration(f"sqlite:///{tmp_path / 'names.db'}")


def test_unique_names_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_unique_names_migration(url)


def check_offered_places_migration(url: str) -> None:
    """0020 backfills the places each open service offers per weekday from its hours as they are, valid
    from the (Karachi) day it was created and still in force; inactive services and those of inactive
    clinics get none (the figures left them out before); the downgrade drops the table, keeping the rest."""
    flask_db(url, "upgrade", "0019_unique_names")
    engine = create_engine(url)
    clinic = "INSERT INTO health_clinics (id, name, name_key, type, district, address, active, created_at) VALUES "
    service = (
        "INSERT INTO health_services (id, clinic_id, name, name_key, slot_minutes, places_per_slot, "
        "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) VALUES "
    )
    hours = 'INSERT INTO health_weekly_hours (service_id, weekday, start, "end", break_start, break_end) VALUES '
    # 20:00 UTC on 10 February is 01:00 on the 11th in Karachi.
    created = "'2026-02-10 20:00:00+00:00'"
    try:
        with engine.begin() as conn:
            for statement in (
                f"{clinic}(1, 'Mayo OPD', 'mayo opd', 'teaching_opd', 'Lahore', 'x', true, {created})",
                f"{clinic}(2, 'Closed Clinic', 'closed clinic', 'bhu', 'Lahore', 'x', false, {created})",
                f"{service}(1, 1, 'General OPD', 'general opd', 30, 2, 2, 14, 2, true, {created})",
                f"{service}(2, 1, 'Eye OPD', 'eye opd', 30, 2, 2, 14, 2, false, {created})",
                f"{service}(3, 2, 'General OPD', 'general opd', 30, 2, 2, 14, 2, true, {created})",
                f"{service}(4, 1, 'Dental', 'dental', 15, 1, 2, 14, 2, true, '2025-06-01 03:00:00+00:00')",
                # Monday with a break: 4 slots before it, 3 after (the grid restarts at 11:30).
                f"{hours}(1, 0, '09:00:00', '13:00:00', '11:00:00', '11:30:00')",
                # Wednesday in two ranges: 4 slots and 2.
                f"{hours}(1, 2, '08:00:00', '10:00:00', NULL, NULL)",
                f"{hours}(1, 2, '11:00:00', '12:00:00', NULL, NULL)",
                f"{hours}(2, 0, '09:00:00', '13:00:00', NULL, NULL)",
                f"{hours}(3, 0, '09:00:00', '13:00:00', NULL, NULL)",
                # Too short for one slot: no places, no row.
                f"{hours}(4, 1, '09:00:00', '09:10:00', NULL, NULL)",
                f"{hours}(4, 4, '08:00:00', '09:00:00', NULL, NULL)",
            ):
                conn.execute(text(statement))
        flask_db(url, "upgrade")
        with engine.connect() as conn:
            rows = [
                (service_id, weekday, str(valid_from), valid_to, places)
                for service_id, weekday, valid_from, valid_to, places in conn.execute(
                    text(
                        "SELECT service_id, weekday, valid_from, valid_to, places FROM health_offered_places "
                        "ORDER BY service_id, weekday"
                    )
                )
            ]
        assert rows == [
            (1, 0, "2026-02-11", None, 14),
            (1, 2, "2026-02-11", None, 12),
            (4, 4, "2025-06-01", None, 4),
        ]
        flask_db(url, "downgrade", "0019_unique_names")
        assert "health_offered_places" not in table_names(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM health_weekly_hours")).scalar_one() == 7
        flask_db(url, "upgrade")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM health_offered_places")).scalar_one() == 3
    finally:
        engine.dispose()


def test_offered_places_migration_sqlite(tmp_path):
    check_offered_places_migration(f"sqlite:///{tmp_path / 'offered.db'}")


def test_offered_places_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_offered_places_migration(url)


def sqlite_shape(url: str) -> dict[str, dict]:
    """What SQLite holds of each table, the id's AUTOINCREMENT aside: its columns (name, type, NOT NULL,
    default), foreign keys, CHECK constraints, unique constraints and indexes (partial ones with their
    condition)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:

            def rows(sql: str) -> list[tuple]:
                return [tuple(row) for row in conn.exec_driver_sql(sql)]

            shape = {}
            for name, sql in rows(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name <> 'alembic_version'"
            ):
                indexes = set()
                for _seq, index, unique, origin, partial in rows(f'PRAGMA index_list("{name}")'):
                    columns = tuple(column for _n, _cid, column in rows(f'PRAGMA index_info("{index}")'))
                    # An index SQLite made for a UNIQUE constraint is named by its place in the table.
                    named = None if index.startswith("sqlite_autoindex_") else index
                    indexes.add((named, unique, origin, partial, columns))
                index_sql = {
                    index: " ".join(text_.split())
                    for index, text_ in rows(
                        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{name}' "
                        "AND sql IS NOT NULL"
                    )
                }
                shape[name] = {
                    "columns": [
                        (column, kind, notnull, default.strip("()") if default else default, pk)
                        for _cid, column, kind, notnull, default, pk in rows(f'PRAGMA table_info("{name}")')
                    ],
                    "foreign keys": {tuple(fk[2:]) for fk in rows(f'PRAGMA foreign_key_list("{name}")')},
                    "checks": set(re.findall(r"CONSTRAINT (ck_\w+) CHECK", sql)),
                    "indexes": indexes,
                    "index sql": index_sql,
                    "autoincrement": "AUTOINCREMENT" in sql.upper(),
                }
            return shape
    finally:
        engine.dispose()


def without_autoincrement(shape: dict[str, dict]) -> dict[str, dict]:
    return {table: {k: v for k, v in kept.items() if k != "autoincrement"} for table, kept in shape.items()}


def test_the_migrated_sqlite_tables_are_those_of_the_models(tmp_path):
    """Alembic's comparison does not look at SQLite's AUTOINCREMENT: the schema the migrations build is
    compared with the one the models make (as the test database is made), table by table."""
    migrated, created = f"sqlite:///{tmp_path / 'migrated.db'}", f"sqlite:///{tmp_path / 'created.db'}"
    flask_db(migrated, "upgrade")
    import portal.models  # noqa: F401  (every table on the metadata)

    engine = create_engine(created)
    try:
        db.metadata.create_all(engine)
    finally:
        engine.dispose()
    built, made = sqlite_shape(migrated), sqlite_shape(created)
    assert set(built) == set(made) == set(db.metadata.tables)
    assert all(kept["autoincrement"] for kept in built.values())
    for table in made:
        for part in ("foreign keys", "checks", "indexes", "index sql", "autoincrement"):
            assert built[table][part] == made[table][part], (table, part)
        # Columns added by later revisions come last in the migrated tables, and 0019 left an empty
        # default on SQLite to the keys it added (the models have none; no row keeps it).
        assert sorted(c[:3] + c[4:] for c in built[table]["columns"]) == sorted(
            c[:3] + c[4:] for c in made[table]["columns"]
        ), table


def test_ids_never_reused_migration_sqlite(tmp_path):
    """0021 copies every table into one declared AUTOINCREMENT, keeping its rows, their ids, columns,
    constraints, foreign keys and indexes; the next id is above the largest there is, and the id of the
    newest row deleted afterwards is never given again. The downgrade copies them back, rows kept."""
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    flask_db(url, "upgrade", "0020_offered_places")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    closure = (
        "INSERT INTO health_closures (id, clinic_id, service_id, start_date, end_date, reason, created_at) VALUES "
    )
    try:
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO users (id, full_name, cnic, preferred_language, failed_logins, active, created_at) "
                f"VALUES (1, 'Imran Qureshi', '3520298765431', 'en', 0, true, {now})",
                "INSERT INTO health_clinics (id, name, name_key, type, district, address, active, created_at) "
                f"VALUES (1, 'Mayo OPD', 'mayo opd', 'teaching_opd', 'Lahore', 'x', true, {now})",
                "INSERT INTO health_services (id, clinic_id, name, name_key, slot_minutes, places_per_slot, "
                "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) "
                f"VALUES (1, 1, 'General OPD', 'general opd', 15, 1, 2, 14, 2, true, {now})",
                f"{closure}(1, 1, NULL, '2026-03-10', '2026-03-10', 'Polio campaign', {now})",
                f"{closure}(2, 1, 1, '2026-03-17', '2026-03-17', 'Doctor on leave', {now})",
                f"{closure}(5, 1, NULL, '2026-03-24', '2026-03-24', 'Eid', {now})",
                "INSERT INTO audit_events (id, created_at, actor_id, action, target_type, target_id, details) "
                f"VALUES (1, {now}, 1, 'health.closure.added', 'health_closures', '5', '{{}}')",
            ):
                conn.execute(text(statement))
        before = sqlite_shape(url)
        assert not any(kept["autoincrement"] for kept in before.values())
        flask_db(url, "upgrade", "0021_ids_never_reused")
        after = sqlite_shape(url)
        assert all(kept["autoincrement"] for kept in after.values())
        assert without_autoincrement(after) == without_autoincrement(before)
        closures = "SELECT id, service_id, reason FROM health_closures ORDER BY id"
        kept = [(1, None, "Polio campaign"), (2, 1, "Doctor on leave"), (5, None, "Eid")]
        with engine.begin() as conn:
            assert [tuple(row) for row in conn.execute(text(closures))] == kept
            assert conn.execute(text("SELECT target_id FROM audit_events")).scalar_one() == "5"
            assert conn.execute(text("SELECT name FROM health_services WHERE clinic_id = 1")).scalar_one() == (
                "General OPD"
            )
            assert (
                conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'health_closures'")).scalar_one() == 5
            )
            new = "INSERT INTO health_closures (clinic_id, start_date, end_date, reason, created_at) VALUES "
            assert (
                conn.execute(text(f"{new}(1, '2026-04-01', '2026-04-01', 'Audit', {now}) RETURNING id")).scalar_one()
                == 6
            )
            conn.execute(text("DELETE FROM health_closures WHERE id = 6"))
            assert (
                conn.execute(text(f"{new}(1, '2026-04-08', '2026-04-08', 'Audit', {now}) RETURNING id")).scalar_one()
                == 7
            )
        flask_db(url, "downgrade", "0020_offered_places")
        assert sqlite_shape(url) == before
        with engine.connect() as conn:
            assert [tuple(row) for row in conn.execute(text(closures))] == [*kept, (7, None, "Audit")]
            assert conn.execute(text("SELECT count(*) FROM sqlite_sequence")).scalar_one() == 0
        flask_db(url, "upgrade", "0021_ids_never_reused")
        assert sqlite_shape(url) == after
    finally:
        engine.dispose()


def check_ascii_digits_migration(url: str) -> None:
    """0022 writes the CNICs and family members' numbers saved in Urdu (or other) digits in ASCII; a row
    whose ASCII number is already another row's is left as it is and named (by id, never by number) in
    the migration's log for an admin; the downgrade changes nothing."""
    flask_db(url, "upgrade", "0020_offered_places")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    user = "INSERT INTO users (id, full_name, cnic, preferred_language, failed_logins, active, created_at) VALUES "
    dependant = (
        "INSERT INTO dependants (id, user_id, full_name, relationship, date_of_birth, gender, id_number, "
        "number_key, removed_at, created_at) VALUES "
    )
    try:
        with engine.begin() as conn:
            for statement in (
                f"{user}(1, 'Ayesha Khan', '3520212345671', 'ur', 0, true, {now})",
                f"{user}(2, 'Ayesha Khan', '۳۵۲۰۲۱۲۳۴۵۶۷۱', 'ur', 0, true, {now})",  # Ayesha again, in Urdu digits
                f"{user}(3, 'Sadia Malik', '۳۷۴۰۵۱۱۲۲۳۳۴۱', 'ur', 0, true, {now})",
                f"{user}(4, 'Sadia Malik', '３７４０５１１２２３３４１', 'en', 0, true, {now})",  # Sadia, fullwidth
                f"{user}(5, 'Walk In', '٣٥٢٠٢٩٩٩٠٠٠١١', 'en', 0, true, {now})",  # a counter record
                f"{dependant}(1, 1, 'Hamza', 'child', '2016-02-03', 'male', '3520276543212', '3520276543212', "
                f"NULL, {now})",
                f"{dependant}(2, 1, 'Hamza', 'child', '2016-02-03', 'male', '۳۵۲۰۲۷۶۵۴۳۲۱۲', '۳۵۲۰۲۷۶۵۴۳۲۱۲', "
                f"NULL, {now})",
                f"{dependant}(3, 1, 'Zainab', 'child', '2019-08-19', 'female', '۳۵۲۰۲۱۱۱۱۱۱۱۱', '۳۵۲۰۲۱۱۱۱۱۱۱۱', "
                f"NULL, {now})",
                f"{dependant}(4, 1, 'Hamza', 'child', '2016-02-03', 'male', '۳۵۲۰۲۷۶۵۴۳۲۱۲', '۳۵۲۰۲۷۶۵۴۳۲۱۲', "
                f"{now}, {now})",  # taken off the account: holds no number there
                f"{dependant}(5, 1, 'Omar', 'child', '2018-01-01', 'male', '۳۵۲۰۲۲۲۲۲۲۲۲۲', '۳۵۲۰۲۲۲۲۲۲۲۲۲  #5', "
                f"NULL, {now})",  # kept apart by 0019
                f"{dependant}(6, 1, 'Ayesha', 'other', '1990-01-01', 'female', '۳۵۲۰۲۱۲۳۴۵۶۷۱', '۳۵۲۰۲۱۲۳۴۵۶۷۱', "
                f"NULL, {now})",  # the holder's own CNIC
                f"{dependant}(7, 2, 'Nobody', 'child', '2019-08-19', 'female', NULL, NULL, NULL, {now})",
            ):
                conn.execute(text(statement))
        upgraded = flask_db(url, "upgrade")

        def numbers():
            with engine.connect() as conn:
                users = dict(conn.execute(text("SELECT id, cnic FROM users ORDER BY id")).all())
                dependants = {
                    row[0]: tuple(row[1:])
                    for row in conn.execute(text("SELECT id, id_number, number_key FROM dependants ORDER BY id"))
                }
            return users, dependants

        users, dependants = numbers()
        assert users == {
            1: "3520212345671",
            2: "۳۵۲۰۲۱۲۳۴۵۶۷۱",  # left: the ASCII CNIC is user 1's
            3: "3740511223341",
            4: "３７４０５１１２２３３４１",  # left: the ASCII CNIC is now user 3's
            5: "3520299900011",
        }
        assert dependants == {
            1: ("3520276543212", "3520276543212"),
            2: ("۳۵۲۰۲۷۶۵۴۳۲۱۲", "۳۵۲۰۲۷۶۵۴۳۲۱۲"),  # left: the ASCII number is dependant 1's
            3: ("3520211111111", "3520211111111"),
            4: ("3520276543212", "3520276543212"),
            5: ("3520222222222", "3520222222222  #5"),
            6: ("3520212345671", "3520212345671"),
            7: (None, None),
        }
        log = upgraded.stdout + upgraded.stderr
        assert "users.id 2 " in log and "users.id 1 " in log
        assert "users.id 4 " in log and "users.id 3 " in log
        assert "dependants.id 2 " in log and "dependants.id 1 " in log
        assert "dependants.id 6 " in log
        assert "3520212345671" not in log and "۳۵۲۰۲" not in log  # ids only: no CNIC in a log
        # Down and up again: nothing changes.
        flask_db(url, "downgrade", "0020_offered_places")
        assert numbers() == (users, dependants)
        flask_db(url, "upgrade")
        assert numbers() == (users, dependants)
    finally:
        engine.dispose()


def test_ascii_digits_migration_sqlite(tmp_path):
    check_ascii_digits_migration(f"sqlite:///{tmp_path / 'digits.db'}")


def test_ascii_digits_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_ascii_digits_migration(url)


def check_search_folding_migration(url: str) -> None:
    """0023 fills the folded copy each search looks in (names, titles and descriptions, in English and
    Urdu, one to a line) and recomputes the name keys without invisible characters and with letters
    composed: rows that thus become alike are kept apart as 0019 kept them, the first by id keeping the
    plain key even when a later row held it before; the downgrade takes the copies away again."""
    flask_db(url, "upgrade", "0020_offered_places")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    clinic = (
        "INSERT INTO health_clinics (id, name, name_key, name_ur, type, district, address, active, created_at) VALUES "
    )
    service = (
        "INSERT INTO health_services (id, clinic_id, name, name_key, slot_minutes, places_per_slot, "
        "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) VALUES "
    )
    course = (
        "INSERT INTO edu_courses (id, institution_id, title, title_key, title_ur, category, description, "
        "description_ur, level, language, mode, duration, fee_paisa, certificate, active, created_at) VALUES "
    )
    try:
        with engine.begin() as conn:
            for statement in (
                # Café typed as e and an accent (its old key kept the accent apart), then as one letter.
                f"{clinic}(1, 'Cafe\u0301 Clinic', 'cafe\u0301 clinic', 'ميو ہسپتال', 'bhu', 'Lahore', 'x', true, "
                f"{now})",
                f"{clinic}(2, 'Café Clinic', 'café clinic', NULL, 'bhu', 'Lahore', 'x', true, {now})",
                f"{clinic}(3, 'CAFÉ  Clinic', 'café clinic  #3', NULL, 'bhu', 'Lahore', 'x', true, {now})",
                f"{clinic}(4, 'Mayo Hospital OPD', 'mayo hospital opd', '', 'bhu', 'Lahore', 'x', true, {now})",
                f"{service}(1, 4, 'General\u200b OPD', 'general\u200b opd', 15, 1, 2, 14, 2, true, {now})",
                f"{service}(2, 4, 'General OPD', 'general opd', 15, 1, 2, 14, 2, true, {now})",
                f"{service}(3, 4, 'Eye OPD', 'eye opd', 15, 1, 2, 14, 2, true, {now})",
                "INSERT INTO edu_institutions (id, name, name_ur, type, district, address, contact, active, "
                f"created_at) VALUES (1, 'Lahore IT  Centre', 'لاہور آئی ٹی سنٹر', 'it_centre', 'Lahore', '', '', "
                f"true, {now})",
                f"{course}(1, 1, 'Computer Basics', 'computer basics', 'كمپيوٹر', 'digital', 'Word and  EXCEL', "
                f"NULL, 'beginner', 'ur', 'online', '', 0, true, true, {now})",
            ):
                conn.execute(text(statement))
        flask_db(url, "upgrade", "0023_search_folding")
        with engine.begin() as conn:

            def rows(sql: str) -> list[tuple]:
                return [tuple(row) for row in conn.execute(text(sql))]

            assert rows("SELECT id, name, name_key, search_text FROM health_clinics ORDER BY id") == [
                (1, "Cafe\u0301 Clinic", "café clinic", "café clinic\nمیو ہسپتال"),
                (2, "Café Clinic", "café clinic  #2", "café clinic"),
                (3, "CAFÉ  Clinic", "café clinic  #3", "café clinic"),
                (4, "Mayo Hospital OPD", "mayo hospital opd", "mayo hospital opd"),
            ]
            assert rows("SELECT id, name_key FROM health_services ORDER BY id") == [
                (1, "general opd"),
                (2, "general opd  #2"),
                (3, "eye opd"),
            ]
            # ئ is read as ی with a hamza above, whichever ی (Urdu's or an Arabic keyboard's) it was typed with.
            assert rows("SELECT search_text FROM edu_institutions") == [("lahore it centre\nلاہور آی\u0654ی ٹی سنٹر",)]
            assert rows("SELECT title_key, search_text FROM edu_courses") == [
                ("computer basics", "computer basics\nکمپیوٹر\nword and excel")
            ]
            # The indexes are back: a clinic alike is refused.
            with pytest.raises(IntegrityError), engine.begin() as other:
                other.execute(
                    text(
                        "INSERT INTO health_clinics (id, name, name_key, search_text, type, district, address, "
                        f"active, created_at) VALUES (5, 'Café Clinic', 'café clinic', 'café clinic', 'bhu', "
                        f"'Lahore', 'x', true, {now})"
                    )
                )
        flask_db(url, "downgrade", "0020_offered_places")
        for table in ("health_clinics", "edu_institutions", "edu_courses"):
            assert "search_text" not in columns(url, table), table
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM health_clinics")).scalar_one() == 4
        flask_db(url, "upgrade", "0023_search_folding")
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT search_text FROM health_clinics WHERE id = 2")).scalar_one() == "café clinic"
            )
    finally:
        engine.dispose()


def test_search_folding_migration_sqlite(tmp_path):
    check_search_folding_migration(f"sqlite:///{tmp_path / 'folding.db'}")


def test_search_folding_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_search_folding_migration(url)


def check_search_digits_migration(url: str) -> None:
    """0025 recomputes the folded search copies with every script's digits read as ASCII, so that an
    Urdu name's number is found typed either way; a copy with no other digit is left as it was."""
    flask_db(url, "upgrade", "0024_dashboard_seats_slots")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO health_clinics (id, name, name_key, name_ur, search_text, type, district, address, "
                    f"active, created_at) VALUES (1, 'BHU 12', 'bhu 12', 'بی ایچ یو ۱۲', 'bhu 12\nبی ایچ یو ۱۲', "
                    f"'bhu', 'Lahore', 'x', true, {now}), (2, 'Mayo Hospital OPD', 'mayo hospital opd', NULL, "
                    f"'mayo hospital opd', 'bhu', 'Lahore', 'x', true, {now})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO edu_institutions (id, name, name_ur, search_text, type, district, address, contact, "
                    f"active, created_at) VALUES (1, 'Block ٣ Centre', NULL, 'block ٣ centre', 'it_centre', "
                    f"'Lahore', '', '', true, {now})"
                )
            )
        flask_db(url, "upgrade", "0025_search_digits")
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(text("SELECT id, search_text FROM health_clinics ORDER BY id"))] == [
                (1, "bhu 12\nبی ایچ یو 12"),
                (2, "mayo hospital opd"),
            ]
            assert conn.execute(text("SELECT search_text FROM edu_institutions")).scalar_one() == "block 3 centre"
            # The name key keeps the name's own digits (0019's and 0023's keys are unchanged).
            assert conn.execute(text("SELECT name_key FROM health_clinics WHERE id = 1")).scalar_one() == "bhu 12"
        flask_db(url, "downgrade", "0024_dashboard_seats_slots")
        flask_db(url, "upgrade", "0025_search_digits")
    finally:
        engine.dispose()


def test_search_digits_migration_sqlite(tmp_path):
    check_search_digits_migration(f"sqlite:///{tmp_path / 'digits.db'}")


def test_search_digits_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_search_digits_migration(url)


def check_institution_names_migration(url: str) -> None:
    """0028 keys institutions' names within their district on a table that may already hold names alike
    (saved before the check in Python): the upgrade neither fails nor renames; the first of each keeps the
    plain key, a later one its key followed by its id, and the log names those kept apart; the index then
    refuses a name alike, and the downgrade takes the key away again, keeping every row."""
    flask_db(url, "upgrade", "0027_message_may_wait")
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    insert = (
        "INSERT INTO edu_institutions (id, name, search_text, type, district, address, contact, active, created_at) "
        "VALUES (:id, :name, '', 'college', :district, '', '', true, " + now + ")"
    )
    names = [
        (1, "Govt College of Technology", "Lahore"),
        (2, " govt  college of TECHNOLOGY ", "Lahore"),
        (3, "Govt College of Technology", "Multan"),  # another district
        (4, "Café Centre", "Lahore"),
        (5, "Cafe\u0301 \u200bcentre", "Lahore"),  # é as e and an accent, a zero-width space: the same name
        (6, "Railway Road School", "Lahore"),
    ]
    try:
        with engine.begin() as conn:
            for record_id, name, district in names:
                conn.execute(text(insert), {"id": record_id, "name": name, "district": district})
        upgraded = flask_db(url, "upgrade")
        assert "2 institution(s) share a name with another of their district" in upgraded.stdout + upgraded.stderr
        assert "(ids 2, 5)" in upgraded.stdout + upgraded.stderr
        with engine.begin() as conn:
            assert [
                tuple(r) for r in conn.execute(text("SELECT id, name, name_key FROM edu_institutions ORDER BY id"))
            ] == [
                (1, "Govt College of Technology", "govt college of technology"),
                (2, " govt  college of TECHNOLOGY ", "govt college of technology  #2"),
                (3, "Govt College of Technology", "govt college of technology"),
                (4, "Café Centre", "café centre"),
                (5, "Cafe\u0301 \u200bcentre", "café centre  #5"),
                (6, "Railway Road School", "railway road school"),
            ]
        with pytest.raises(IntegrityError), engine.begin() as other:
            other.execute(
                text(
                    "INSERT INTO edu_institutions (id, name, name_key, search_text, type, district, address, contact, "
                    f"active, created_at) VALUES (7, 'Govt College of Technology', 'govt college of technology', '', "
                    f"'college', 'Lahore', '', '', true, {now})"
                )
            )
        flask_db(url, "downgrade", "0027_message_may_wait")
        assert "name_key" not in columns(url, "edu_institutions")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM edu_institutions")).scalar_one() == 6
        flask_db(url, "upgrade")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name_key FROM edu_institutions WHERE id = 5")).scalar_one() == (
                "café centre  #5"
            )
    finally:
        engine.dispose()


def check_dashboard_done_when_done_migration(url: str) -> None:
    """0029 gives back the day its seat was given to a place the school took back (reject overwrote
    decided_at with the removal's time), where the audit log or the outbox kept when the seat was given,
    and keeps the removal's time in removed_at; a declined request or a refusal is left as it was. People
    checked in or seen with no time get the last change's. The downgrade puts the removal's time back in
    decided_at."""
    flask_db(url, "upgrade", "0028_institution_names")
    engine = create_engine(url)

    def at(day: int, hour: int = 5) -> str:
        return f"'2026-03-{day:02d} {hour:02d}:00:00+00:00'"

    enrolment = (
        "INSERT INTO edu_enrolments (id, reference, user_id, person_key, section_id, course_id, status, reason, "
        "source, created_at, decided_at, updated_at) VALUES "
    )
    message = "INSERT INTO messages (channel, subject, body, status, attempts, dedupe_key, created_at) VALUES "
    # Institutions have a name key from 0028 on (whichever revision this one follows).
    keyed = "name_key" in columns(url, "edu_institutions")
    key_column, key_value = ("name_key, ", "'it centre', ") if keyed else ("", "")
    institution = (
        f"INSERT INTO edu_institutions (id, name, search_text, type, district, address, contact, active, "
        f"{key_column}created_at) VALUES (1, 'IT Centre', 'it centre', 'it_centre', 'Lahore', '', '', true, "
        f"{key_value}{at(1)})"
    )
    try:
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO users (id, full_name, cnic, preferred_language, failed_logins, active, created_at) "
                f"VALUES (1, 'Ayesha', '3520212345671', 'en', 0, true, {at(1)})",
                institution,
                "INSERT INTO edu_courses (id, institution_id, title, title_key, category, description, search_text, "
                "level, language, mode, duration, fee_paisa, certificate, active, created_at) VALUES (1, 1, 'AI', "
                f"'ai', 'ai_data', '', 'ai', 'beginner', 'en', 'on_site', '', 0, true, true, {at(1)})",
                "INSERT INTO edu_sections (id, course_id, name, start_date, end_date, meeting_days, venue, capacity, "
                "enrolled_count, reserved_seats, reserved_taken, reserved_released, enrol_opens, enrol_closes, "
                "needs_approval, waitlist_enabled, closed, created_at) VALUES (1, 1, 'A', '2026-04-01', "
                f"'2026-05-01', '', '', 5, 0, 0, 0, false, '2026-02-01', '2026-03-20', true, true, false, {at(1)})",
                # Removed on the 3rd; its seat was an approval (audit log) on the 2nd.
                f"{enrolment}(1, 'E1', 1, 'u1', 1, 1, 'rejected', 'No papers', 'web', {at(1)}, {at(3)}, {at(3)})",
                # Removed on the 3rd; a seat taken at once on the 1st and one moved up on the 2nd (outbox).
                f"{enrolment}(2, 'E2', 1, 'u2', 1, 1, 'rejected', 'No papers', 'web', {at(1)}, {at(3)}, {at(3)})",
                f"{enrolment}(3, 'E3', 1, 'u3', 1, 1, 'rejected', 'No papers', 'web', {at(1)}, {at(3)}, {at(3)})",
                # A request declined on the 3rd, a refusal for capacity, and one with no record of a seat.
                f"{enrolment}(4, 'E4', 1, 'u4', 1, 1, 'rejected', 'Not eligible', 'web', {at(1)}, {at(3)}, {at(3)})",
                f"{enrolment}(5, 'E5', 1, 'u5', 1, 1, 'rejected', 'capacity', 'web', {at(2)}, {at(2)}, {at(2)})",
                f"{enrolment}(10, 'E10', 1, 'u10', 1, 1, 'rejected', 'No', 'web', {at(1)}, {at(3)}, {at(3)})",
                # A seat approved and still held is not touched.
                f"{enrolment}(11, 'E11', 1, 'u11', 1, 1, 'enrolled', NULL, 'web', {at(1)}, {at(2)}, {at(2)})",
                "INSERT INTO audit_events (action, target_type, target_id, created_at) VALUES "
                f"('education.enrolment.approved', 'edu_enrolments', '1', {at(2)}), "
                f"('education.enrolment.rejected', 'edu_enrolments', '1', {at(3)}), "
                f"('education.enrolment.approved', 'edu_enrolments', '11', {at(2)})",
                f"{message}('sms', 's', 'b', 'sent', 1, 'edu:2:enrolled:x:sms', {at(1)}), "
                f"('sms', 's', 'b', 'sent', 1, 'edu:3:waitlisted:x:sms', {at(1)}), "
                f"('sms', 's', 'b', 'sent', 1, 'edu:3:promoted:y:sms', {at(2)}), "
                f"('sms', 's', 'b', 'sent', 1, 'edu:3:rejected:z:sms', {at(3)}), "
                f"('sms', 's', 'b', 'sent', 1, 'edu:4:pending:x:sms', {at(1)}), "
                f"('sms', 's', 'b', 'sent', 1, 'edu:1:approved:x:sms', {at(2)})",
                "INSERT INTO health_clinics (id, name, name_key, search_text, type, district, address, active, "
                f"created_at) VALUES (1, 'Mayo', 'mayo', 'mayo', 'bhu', 'Lahore', 'x', true, {at(1)})",
                "INSERT INTO health_services (id, clinic_id, name, name_key, slot_minutes, places_per_slot, "
                "min_notice_hours, horizon_days, cancel_cutoff_hours, active, created_at) VALUES "
                f"(1, 1, 'OPD', 'opd', 30, 1, 2, 14, 2, true, {at(1)})",
                "INSERT INTO health_appointments (id, reference, arrival_code, user_id, clinic_id, service_id, "
                "visit_date, status, walk_in, cancelled_by_clinic, created_at, updated_at, arrived_at, seen_at) "
                f"VALUES (1, 'A1', '1234', 1, 1, 1, '2026-03-02', 'seen', false, false, {at(1)}, {at(2, 6)}, NULL, "
                f"NULL), (2, 'A2', '1235', 1, 1, 1, '2026-03-02', 'arrived', false, false, {at(1)}, {at(2, 7)}, "
                f"NULL, NULL), (3, 'A3', '1236', 1, 1, 1, '2026-03-02', 'seen', false, false, {at(1)}, {at(3)}, "
                f"{at(2, 4)}, {at(2, 5)})",
            ):
                conn.execute(text(statement))
        flask_db(url, "upgrade", "0029_dashboard_done_when_done")

        def day(value) -> str | None:
            return None if value is None else str(value)[:13]

        with engine.connect() as conn:
            rows = {
                i: (day(decided), day(removed))
                for i, decided, removed in conn.execute(
                    text("SELECT id, decided_at, removed_at FROM edu_enrolments ORDER BY id")
                )
            }
            assert rows == {
                1: ("2026-03-02 05", "2026-03-03 05"),
                2: ("2026-03-01 05", "2026-03-03 05"),
                3: ("2026-03-02 05", "2026-03-03 05"),
                4: ("2026-03-03 05", None),
                5: ("2026-03-02 05", None),
                10: ("2026-03-03 05", None),
                11: ("2026-03-02 05", None),
            }
            visits = [
                (i, day(arrived), day(seen))
                for i, arrived, seen in conn.execute(
                    text("SELECT id, arrived_at, seen_at FROM health_appointments ORDER BY id")
                )
            ]
            assert visits == [
                (1, "2026-03-02 06", "2026-03-02 06"),
                (2, "2026-03-02 07", None),
                (3, "2026-03-02 04", "2026-03-02 05"),
            ]
        flask_db(url, "downgrade", "0028_institution_names")
        assert "removed_at" not in columns(url, "edu_enrolments")
        with engine.connect() as conn:
            decided = conn.execute(text("SELECT decided_at FROM edu_enrolments WHERE id = 1")).scalar_one()
            assert day(decided) == "2026-03-03 05"
    finally:
        engine.dispose()


def test_institution_names_migration_sqlite(tmp_path):
    check_institution_names_migration(f"sqlite:///{tmp_path / 'institutions.db'}")


def test_institution_names_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_institution_names_migration(url)


def test_dashboard_done_when_done_migration_sqlite(tmp_path):
    check_dashboard_done_when_done_migration(f"sqlite:///{tmp_path / 'done.db'}")


def test_dashboard_done_when_done_migration_postgresql():
    with postgres_schema() as (_admin, url, _schema):
        check_dashboard_done_when_done_migration(url)
