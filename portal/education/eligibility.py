"""Who may join a cohort: the person (self or a family member) and the declarative rules,
each failure explained in plain words ("this cohort is for ages 18–35; you will be 41 on 1 March 2026")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, lazy_ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from portal.auth.models import Dependant, User
from portal.bilingual import InLanguage, lang_marked
from portal.districts import district_label
from portal.education.models import (
    COMPLETED,
    RESERVED_DISTRICT,
    RESERVED_GENDER,
    RULE_AGE,
    RULE_DISTRICT,
    RULE_GENDER,
    RULE_PREREQUISITE,
    EligibilityRule,
    Enrolment,
    Section,
)
from portal.extensions import db


class LazyDate:
    """A date that formats itself in the reader's language when the message is shown."""

    def __init__(self, day: date, fmt: str = "d MMMM yyyy"):
        self.day, self.fmt = day, fmt

    def __str__(self) -> str:
        return format_date(self.day, self.fmt)


class LazyJoin:
    def __init__(self, items):
        self.items = list(items)

    def __str__(self) -> str:
        return "، ".join(str(i) for i in self.items) if _is_urdu() else ", ".join(str(i) for i in self.items)


def _is_urdu() -> bool:
    from flask_babel import get_locale

    return str(get_locale() or "en") == "ur"


class Message:
    """A lazy message with its parameters, rendered when turned into text."""

    def __init__(self, text, **params):
        self.text, self.params = text, params

    def __str__(self) -> str:
        return str(self.text) % self.params if self.params else str(self.text)

    def __html__(self) -> Markup:
        """The message on a page: each parameter in another language than the page's (a person's or a
        course's English name in an Urdu sentence) marked with its language, as ``lang_marked`` does."""
        if not self.params:
            return escape(str(self.text))
        values = {
            key: value if isinstance(value, int | float) else lang_marked(str(value))
            for key, value in self.params.items()
        }
        return escape(str(self.text)) % values


@dataclass(frozen=True)
class Person:
    """The one who takes the seat: the account holder, or one of their family members."""

    user: User
    dependant: Dependant | None = None

    @property
    def key(self) -> str:
        return f"d{self.dependant.id}" if self.dependant is not None else f"u{self.user.id}"

    @property
    def is_self(self) -> bool:
        return self.dependant is None

    @property
    def name(self) -> str:
        return self.dependant.full_name if self.dependant is not None else self.user.full_name

    @property
    def date_of_birth(self) -> date | None:
        return self.dependant.date_of_birth if self.dependant is not None else self.user.date_of_birth

    @property
    def gender(self) -> str | None:
        return self.dependant.gender if self.dependant is not None else self.user.gender

    @property
    def district(self) -> str | None:
        # A family member lives with the account holder.
        return self.user.district


def person_of(enrolment: Enrolment) -> Person:
    return Person(enrolment.user, enrolment.dependant)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def rules_for(section: Section) -> list[EligibilityRule]:
    return list(section.course.rules) + list(section.rules)


def has_completed(person: Person, course_id: int) -> bool:
    return (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.course_id == course_id, Enrolment.person_key == person.key, Enrolment.status == COMPLETED
            )
        )
        is not None
    )


def rule_problem(rule: EligibilityRule, person: Person, section: Section) -> Message | None:
    """Why ``person`` fails ``rule`` for ``section``, or None when the rule holds."""
    if rule.kind == RULE_AGE:
        return _age_problem(rule, person, section)
    if rule.kind == RULE_GENDER:
        if rule.gender and person.gender != rule.gender:
            if rule.gender == "female":
                return Message(_l("This cohort is for women and girls only."))
            if rule.gender == "male":
                return Message(_l("This cohort is for men and boys only."))
            return Message(_l("This cohort is for people of another gender."))
        return None
    if rule.kind == RULE_DISTRICT:
        allowed = rule.district_list
        if allowed and person.district not in allowed:
            names = LazyJoin(district_label(d) for d in allowed)
            if not person.district:
                return Message(
                    _l("This cohort is for people living in %(districts)s; your profile has no home district."),
                    districts=names,
                )
            return Message(
                _l("This cohort is for people living in %(districts)s; the home district on your profile is %(own)s."),
                districts=names,
                own=district_label(person.district),
            )
        return None
    if (
        rule.kind == RULE_PREREQUISITE
        and rule.prerequisite_course_id
        and not has_completed(person, rule.prerequisite_course_id)
    ):
        course = rule.prerequisite_course
        title = InLanguage(course.title, course.title_ur) if course else "?"
        if person.is_self:
            return Message(_l("You need to complete “%(course)s” on the portal first."), course=title)
        return Message(
            _l("%(name)s needs to complete “%(course)s” on the portal first."), name=person.name, course=title
        )
    return None


def _age_problem(rule: EligibilityRule, person: Person, section: Section) -> Message | None:
    lo, hi = rule.min_age, rule.max_age
    if lo is None and hi is None:
        return None
    born = person.date_of_birth
    if born is None:
        return Message(_l("This cohort has an age limit, and your date of birth is not on your profile."))
    age = age_on(born, section.start_date)
    if (lo is None or age >= lo) and (hi is None or age <= hi):
        return None
    when = LazyDate(section.start_date)  # with its year: an age is reckoned on that very day
    if lo is not None and hi is not None:
        limits = Message(_l("This cohort is for ages %(lo)s–%(hi)s"), lo=lo, hi=hi)
    elif lo is not None:
        limits = Message(_l("This cohort is for ages %(lo)s and over"), lo=lo)
    else:
        limits = Message(_l("This cohort is for ages up to %(hi)s"), hi=hi)
    if person.is_self:
        return Message(_l("%(limits)s; you will be %(age)s on %(date)s."), limits=limits, age=age, date=when)
    return Message(
        _l("%(limits)s; %(name)s will be %(age)s on %(date)s."), limits=limits, name=person.name, age=age, date=when
    )


def eligibility_problems(person: Person, section: Section) -> list[Message]:
    """Every rule of the course and of the section that ``person`` fails, in words. Empty = eligible."""
    problems = []
    for rule in rules_for(section):
        problem = rule_problem(rule, person, section)
        if problem is not None:
            problems.append(problem)
    return problems


def in_reserved_group(section: Section, person: Person) -> bool:
    if section.reserved_kind == RESERVED_GENDER:
        return person.gender == section.reserved_value
    if section.reserved_kind == RESERVED_DISTRICT:
        return person.district == section.reserved_value
    return False


def describe_rule(rule: EligibilityRule) -> Message:
    """A rule as a sentence for the course page and the admin's list."""
    if rule.kind == RULE_AGE:
        if rule.min_age is not None and rule.max_age is not None:
            return Message(_l("Ages %(lo)s–%(hi)s on the start date"), lo=rule.min_age, hi=rule.max_age)
        if rule.min_age is not None:
            return Message(_l("Ages %(lo)s and over on the start date"), lo=rule.min_age)
        return Message(_l("Ages up to %(hi)s on the start date"), hi=rule.max_age)
    if rule.kind == RULE_GENDER:
        if rule.gender == "female":
            return Message(_l("Women and girls only"))
        if rule.gender == "male":
            return Message(_l("Men and boys only"))
        return Message(_l("Other gender only"))
    if rule.kind == RULE_DISTRICT:
        return Message(_l("Living in %(districts)s"), districts=LazyJoin(district_label(d) for d in rule.district_list))
    course = rule.prerequisite_course
    title = InLanguage(course.title, course.title_ur) if course else "?"
    return Message(_l("Completed “%(course)s” on the portal"), course=title)


def reserved_group(section: Section):
    """Who the section's reserved seats are kept for ("women and girls"), or None."""
    return group_named(section.reserved_kind, section.reserved_value)


def group_named(kind: str | None, value: str | None):
    """Who seats kept for ``kind`` and ``value`` (a section's reserved_kind and reserved_value) are kept
    for ("women and girls"), or None."""
    if not kind:
        return None
    if kind == RESERVED_GENDER:
        return _l("women and girls") if value == "female" else _l("men and boys")
    return Message(_l("people living in %(district)s"), district=district_label(value))


def turns_away_group(rule: EligibilityRule, kind: str | None, value: str | None) -> bool:
    """Whether ``rule`` refuses everyone of the group seats kept for ``kind`` and ``value`` are for (a rule
    for men only and seats kept for women, a rule for Lahore and seats kept for people from Multan):
    nobody could take those seats until enrolment closes."""
    if kind == RESERVED_GENDER and rule.kind == RULE_GENDER:
        return bool(rule.gender) and rule.gender != value
    if kind == RESERVED_DISTRICT and rule.kind == RULE_DISTRICT:
        return bool(rule.district_list) and value not in rule.district_list
    return False


def describe_reserved(section: Section) -> Message | None:
    """The section's reserved seats as a phrase ("1 seat kept for women and girls until enrolment
    closes"), or None when it keeps none."""
    if not section.reserved_kind or not section.reserved_seats:
        return None
    return Message(
        lazy_ngettext(
            "%(num)s seat kept for %(group)s until enrolment closes",
            "%(num)s seats kept for %(group)s until enrolment closes",
            section.reserved_seats,
            group=reserved_group(section),
        )
    )
