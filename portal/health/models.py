"""Clinics, services, schedules, slots and appointments (issue 3).

Slots are materialised lazily: the weekly hours and closures say which start times exist, and a
``Slot`` row is created (INSERT ... ON CONFLICT DO NOTHING) the first time someone books one. The
row's ``booked`` counter is raised with a conditional UPDATE, so the database decides who gets the
last place, never a check in Python.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.bilingual import Shown
from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.name_keys import folded_column, keep_folded, keep_key, key_column

CLINIC_TYPES = ("teaching_opd", "dhq", "thq", "rhc", "bhu", "dispensary", "vaccination")

STATUS_BOOKED = "booked"
STATUS_ARRIVED = "arrived"
STATUS_SEEN = "seen"
STATUS_NO_SHOW = "no_show"
STATUS_CANCELLED = "cancelled"
STATUSES = (STATUS_BOOKED, STATUS_ARRIVED, STATUS_SEEN, STATUS_NO_SHOW, STATUS_CANCELLED)

WEEKDAYS = range(7)  # Monday = 0, as date.weekday()


# The texts of a clinic that a search by name looks in.
SEARCHED_CLINIC = ("name", "name_ur")


class Clinic(db.Model):
    __tablename__ = "health_clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # The name as people tell names apart (portal.name_keys): one per district, under a unique index.
    name_key: Mapped[str] = key_column("name")
    name_ur: Mapped[str | None] = mapped_column(String(160))  # the name in Urdu, when the admin gave one
    shown_name = Shown("name", "name_ur")  # in the page's (or the message's) language
    # Both names folded (portal.folding), which a search by name looks in.
    search_text: Mapped[str] = folded_column(*SEARCHED_CLINIC)
    type: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(300))
    address_ur: Mapped[str | None] = mapped_column(String(300))  # the address in Urdu, when the admin gave one
    shown_address = Shown("address", "address_ur")  # in the page's (or the message's) language
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[Service]] = relationship(back_populates="clinic", order_by="Service.name")

    __table_args__ = (Index("uq_health_clinics_district_name_key", "district", "name_key", unique=True),)

    def __repr__(self) -> str:
        return f"<Clinic {self.id} {self.name!r}>"


keep_key(Clinic.name, "name_key")
keep_folded(Clinic, SEARCHED_CLINIC, "search_text")


class Service(db.Model):
    """Something a clinic offers by appointment, with its booking rules."""

    __tablename__ = "health_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("health_clinics.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name as people tell names apart (portal.name_keys): one per clinic, under a unique index.
    name_key: Mapped[str] = key_column("name")
    name_ur: Mapped[str | None] = mapped_column(String(120))  # the name in Urdu, when the admin gave one
    shown_name = Shown("name", "name_ur")  # in the page's (or the message's) language
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    places_per_slot: Mapped[int] = mapped_column(Integer, default=1)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=2)
    horizon_days: Mapped[int] = mapped_column(Integer, default=14)
    cancel_cutoff_hours: Mapped[int] = mapped_column(Integer, default=2)
    practitioner: Mapped[str | None] = mapped_column(String(120))
    practitioner_ur: Mapped[str | None] = mapped_column(String(120))  # in Urdu letters, when the admin gave it
    shown_practitioner = Shown("practitioner", "practitioner_ur")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship(back_populates="services")
    hours: Mapped[list[WeeklyHours]] = relationship(
        back_populates="service",
        order_by=lambda: (WeeklyHours.weekday, WeeklyHours.start),
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        CheckConstraint("slot_minutes > 0", name="slot_minutes_positive"),
        CheckConstraint("places_per_slot > 0", name="places_positive"),
        Index("uq_health_services_clinic_name_key", "clinic_id", "name_key", unique=True),
    )


keep_key(Service.name, "name_key")


class WeeklyHours(db.Model):
    """Opening hours of a service on one weekday (Karachi wall-clock times), with an optional break."""

    __tablename__ = "health_weekly_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("health_services.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    break_start: Mapped[time | None] = mapped_column(Time)
    break_end: Mapped[time | None] = mapped_column(Time)

    service: Mapped[Service] = relationship(back_populates="hours")

    __table_args__ = (CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),)


class OfferedPlaces(db.Model):
    """How many places a service offered on one weekday, and from when to when (portal.health.offered).

    A row says: from ``valid_from`` (a Karachi date, included) until ``valid_to`` (excluded; NULL while it
    is still in force), ``places`` places were offered on each day of ``weekday``: the slots the weekly
    hours held that day (the grid restarting after the break) times the places per slot. A service with
    no row for a weekday on a date offered nothing then: no hours that day, or the service or its clinic
    inactive. Closures are not in it; they are their own record (``Closure``). The figures for officials
    and the clinic admin's counts read it (portal.health.offered.places_offered), so that a past period
    keeps the places offered then, whatever the clinic changes later. Written only by
    portal.health.offered.record_offers.
    """

    __tablename__ = "health_offered_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("health_services.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    places: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("places > 0", name="places_positive"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_to_after_from"),
        Index("ix_health_offered_places_service", "service_id", "weekday", "valid_from"),
        Index("ix_health_offered_places_period", "valid_from", "valid_to"),
    )


class Closure(db.Model):
    """Days a whole clinic (service_id NULL) or one service is closed, e.g. a public holiday."""

    __tablename__ = "health_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("health_clinics.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("health_services.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    reason_ur: Mapped[str | None] = mapped_column(String(200))  # the reason in Urdu, when the admin gave one
    shown_reason = Shown("reason", "reason_ur")  # in the page's (or the message's) language
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    service: Mapped[Service | None] = relationship()


class Slot(db.Model):
    """A bookable start time of a service; ``booked`` never passes ``capacity`` (conditional UPDATE)."""

    __tablename__ = "health_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("health_services.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship()

    __table_args__ = (
        UniqueConstraint("service_id", "starts_at", name="uq_health_slots_service_start"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
    )


class Appointment(db.Model):
    """A booking for a citizen or one of their family members; walk-ins may have a queue token instead."""

    __tablename__ = "health_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    arrival_code: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    dependant_id: Mapped[int | None] = mapped_column(ForeignKey("dependants.id", ondelete="SET NULL"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("health_clinics.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("health_services.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("health_slots.id", ondelete="SET NULL"), index=True)
    # Denormalised from the slot for the daily list; None for a queue token.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_date: Mapped[date] = mapped_column(Date)  # Karachi date
    queue_number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=STATUS_BOOKED)
    # "service:user:dependant" while the booking is active, NULL otherwise: the unique constraint
    # makes "one active appointment per person per service" hold under concurrency too.
    active_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_reason: Mapped[str | None] = mapped_column(String(300))
    # The same reason in Urdu, kept beside the English one when the portal, a closure or the admin
    # cancelling one appointment gave one (a closure's Urdu reason, "the clinic changed its schedule"
    # in Urdu, the cancel form's optional Urdu reason).
    cancelled_reason_ur: Mapped[str | None] = mapped_column(String(300))
    shown_cancelled_reason = Shown("cancelled_reason", "cancelled_reason_ur")  # in the reader's language
    cancelled_by_clinic: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    # How many times the appointment was moved or cancelled: its calendar file's SEQUENCE (RFC 5545),
    # so that a calendar app that holds an earlier file takes the later one (migration 0018).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    dependant = relationship("Dependant")
    clinic: Mapped[Clinic] = relationship()
    service: Mapped[Service] = relationship()
    slot: Mapped[Slot | None] = relationship()

    __table_args__ = (
        Index("ix_health_appointments_clinic_date", "clinic_id", "visit_date"),
        Index("ix_health_appointments_status_date", "status", "visit_date"),
        # My appointments: a person's most recent first, straight off the index (migration 0006).
        Index("ix_health_appointments_user_date", "user_id", "visit_date", "starts_at", "id"),
        UniqueConstraint("clinic_id", "visit_date", "queue_number", name="uq_health_appointments_queue"),
    )

    @property
    def patient_name(self) -> str:
        return self.dependant.full_name if self.dependant is not None else self.user.full_name

    @property
    def waiting_walk_in(self) -> bool:
        """Registered at the counter and not yet seen: an entry the clinic may cancel (made by mistake)."""
        return self.walk_in and self.status == STATUS_ARRIVED
