from sqlalchemy import func, select

from portal.auth.services import clinic_ids_for
from portal.demo.seed import seed
from portal.extensions import db
from portal.health.models import Appointment, Clinic


def test_seed_is_idempotent_and_gives_clinic_admin_a_clinic(app):
    first = seed()
    db.session.commit()
    second = seed()
    db.session.commit()
    assert first["clinics"] == 5 and first["appointments_created"] == 2
    assert second["appointments_created"] == 0
    assert db.session.scalar(select(func.count(Clinic.id))) == 5
    assert db.session.scalar(select(func.count(Appointment.id))) == 2
    from portal.auth.models import User

    admin = db.session.scalar(select(User).where(User.cnic == "3520298765431"))
    mayo = db.session.scalar(select(Clinic).where(Clinic.name == "Mayo Hospital OPD"))
    assert clinic_ids_for(admin) == {mayo.id}


def test_seed_demo_command(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "clinics 5" in result.output
