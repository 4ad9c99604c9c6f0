"""Demo clinics in Lahore and Rawalpindi, with services, hours and a few bookings (idempotent)."""

from __future__ import annotations

import random
from datetime import time, timedelta

from sqlalchemy import select

from portal import clock
from portal.auth.models import ROLE_CLINIC_ADMIN, RoleAssignment
from portal.demo.data import PRACTITIONERS_UR, SERVICE_NAMES_UR
from portal.demo.generate import place_ur, urdu_district_names
from portal.extensions import db
from portal.health import schedule
from portal.health.models import STATUS_BOOKED, Appointment, Clinic, Service, WeeklyHours
from portal.health.offered import record_offers

# name, type, district, address, phone, [(service, minutes, places, practitioner)]
CLINICS = (
    (
        "Mayo Hospital OPD",
        "teaching_opd",
        "Lahore",
        "Hospital Road, Anarkali, Lahore",
        "042 99211100",
        [("General OPD", 15, 2, "Dr. Sana Javed"), ("Eye OPD", 20, 1, "Dr. Kamran Aslam"), ("Dental", 30, 1, None)],
    ),
    (
        "EPI Vaccination Centre Model Town",
        "vaccination",
        "Lahore",
        "Block C, Model Town, Lahore",
        "042 35881234",
        [("Child immunisation (EPI)", 15, 10, None)],
    ),
    (
        "Basic Health Unit Raiwind",
        "bhu",
        "Lahore",
        "Main Bazar, Raiwind, Lahore",
        None,
        [("General OPD", 15, 1, "Dr. Fatima Noor"), ("Antenatal check-up", 20, 1, "LHV Shazia Parveen")],
    ),
    (
        "DHQ Hospital Rawalpindi",
        "dhq",
        "Rawalpindi",
        "Raja Bazar, Rawalpindi",
        "051 9290301",
        [("General OPD", 15, 3, None), ("TB screening", 20, 2, None), ("Child immunisation (EPI)", 15, 8, None)],
    ),
    (
        "Rural Health Centre Gujar Khan",
        "rhc",
        "Rawalpindi",
        "G.T. Road, Gujar Khan",
        None,
        [("General OPD", 20, 1, "Dr. Asad Mehmood")],
    ),
)

CLINIC_NAMES_UR = {
    "Mayo Hospital OPD": "میو ہسپتال او پی ڈی",
    "EPI Vaccination Centre Model Town": "ای پی آئی ویکسینیشن سینٹر ماڈل ٹاؤن",
    "Basic Health Unit Raiwind": "بنیادی مرکزِ صحت رائے ونڈ",
    "DHQ Hospital Rawalpindi": "ڈی ایچ کیو ہسپتال راولپنڈی",
    "Rural Health Centre Gujar Khan": "دیہی مرکزِ صحت گوجر خان",
}


def _hours(service: Service) -> None:
    for weekday in range(6):  # Monday to Saturday
        if weekday == 4:  # Friday: a short day
            service.hours.append(WeeklyHours(weekday=weekday, start=time(8), end=time(12)))
        else:
            service.hours.append(
                WeeklyHours(weekday=weekday, start=time(8), end=time(14), break_start=time(11), break_end=time(11, 30))
            )


def seed_health(users, size: str = "small", seed_value: int = 2026) -> dict[str, int]:
    from portal.health.services import _new_reference, active_key, new_arrival_code, take_place

    rng = random.Random(seed_value)
    districts_ur = urdu_district_names()
    clinics = {}
    for name, type_, district, address, phone, offered in CLINICS:
        clinic = db.session.scalar(select(Clinic).where(Clinic.name == name))
        if clinic is None:
            clinic = Clinic(name=name, type=type_, district=district, address=address, phone=phone, active=True)
            db.session.add(clinic)
            for service_name, minutes, places, practitioner in offered:
                service = Service(
                    clinic=clinic,
                    name=service_name,
                    name_ur=SERVICE_NAMES_UR[service_name],
                    slot_minutes=minutes,
                    places_per_slot=places,
                    min_notice_hours=2,
                    horizon_days=14,
                    cancel_cutoff_hours=2,
                    practitioner=practitioner,
                    practitioner_ur=PRACTITIONERS_UR.get(practitioner),
                    active=True,
                )
                _hours(service)
                db.session.add(service)
            db.session.flush()
            record_offers(service.id for service in clinic.services)
        # Seeded before the Urdu names existed: given them now, unless an admin has given others.
        clinic.name_ur = clinic.name_ur or CLINIC_NAMES_UR[name]
        if clinic.address == address:  # its Urdu address, unless an admin has moved it or given another
            clinic.address_ur = clinic.address_ur or place_ur(address, districts_ur)
        for service in clinic.services:
            service.name_ur = service.name_ur or SERVICE_NAMES_UR.get(service.name)
            service.practitioner_ur = service.practitioner_ur or PRACTITIONERS_UR.get(service.practitioner)
        clinics[name] = clinic

    mayo = clinics["Mayo Hospital OPD"]
    admin = users["clinic_admin"]
    if not db.session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == admin.id,
            RoleAssignment.role == ROLE_CLINIC_ADMIN,
            RoleAssignment.scope_id == mayo.id,
        )
    ):
        db.session.add(RoleAssignment(user=admin, role=ROLE_CLINIC_ADMIN, scope_id=mayo.id))

    citizen = users["citizen"]
    bookings = 0
    plans = [
        (mayo, "General OPD", None, 2),
        (clinics["EPI Vaccination Centre Model Town"], "Child immunisation (EPI)", citizen.dependants[0], 3),
    ]
    booked_at = clock.now() - timedelta(days=1)
    for clinic, service_name, dependant, days_ahead in plans:
        service = next(s for s in clinic.services if s.name == service_name)
        key = active_key(service.id, citizen.id, dependant.id if dependant else None)
        if db.session.scalar(select(Appointment.id).where(Appointment.active_key == key)):
            continue
        day = clock.today() + timedelta(days=days_ahead)
        while not schedule.day_starts(service, day):
            day += timedelta(days=1)
        starts = schedule.day_starts(service, day)
        at = starts[rng.randrange(min(len(starts), 8))]
        slot_id = take_place(service, at)
        db.session.add(
            Appointment(
                reference=_new_reference(),
                arrival_code=new_arrival_code(),
                user_id=citizen.id,
                dependant_id=dependant.id if dependant else None,
                clinic_id=clinic.id,
                service_id=service.id,
                slot_id=slot_id,
                starts_at=at,
                visit_date=schedule.karachi_date(at),
                status=STATUS_BOOKED,
                active_key=key,
                # Booked the day before, on the portal's clock (the columns' default is the wall clock):
                # never after the seed's "now", and not among what a fresh seed shows as done today.
                created_at=booked_at,
                updated_at=booked_at,
            )
        )
        bookings += 1
    db.session.flush()
    return {"clinics": len(clinics), "appointments_created": bookings}
