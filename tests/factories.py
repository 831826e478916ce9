"""factory_boy factories for the records tests need; synthetic values only."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.addresses import normalize_address
from cases.models import Household, Person
from dhs.models import DataSharingAgreement, Office, PartnerAgency, StaffProfile


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"OF{n:02d}")
    name = factory.LazyAttribute(lambda o: f"{o.code.title()} Service Center")
    county = "Riverside"
    address = "100 Main St, Springfield, IL 62701"
    sustainable_caseload = 40
    weekly_capacity = 50


def make_staff(username: str, *, role: str, office: Office | None,
               password: str = "correct-horse-battery") -> object:
    """A staff user with its role group and office (tests' personas)."""
    user = get_user_model().objects.create_user(username=username, password=password,
                                                is_staff=role == "admin",
                                                is_superuser=False)
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(user=user, office=office)
    return user


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    ref = factory.Sequence(lambda n: f"HT{n:06d}")
    office = factory.SubFactory(OfficeFactory)
    street = factory.Sequence(lambda n: f"{100 + n} Maple Street")
    unit = ""
    city = "Springfield"
    state = "IL"
    zip = "62701"
    address_key = factory.LazyAttribute(
        lambda o: normalize_address(o.street, o.unit, o.zip))
    housing = "rent"
    monthly_income = 1200
    phone = factory.Sequence(lambda n: f"+1217555{n % 10000:04d}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    ref = factory.Sequence(lambda n: f"PT{n:06d}")
    household = factory.SubFactory(HouseholdFactory)
    first_name = "Maria"
    last_name = factory.Sequence(lambda n: f"Testperson{n}")
    date_of_birth = dt.date(1988, 4, 17)
    sex = "F"
    relationship = "head"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAgency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"partner{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code.title()} Agency")
    kind = "court"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSharingAgreement

    partner = factory.SubFactory(PartnerFactory)
    reference = factory.Sequence(lambda n: f"DSA-T-{n:04d}")
    sources = ["eviction_filings"]
    purpose = "early warning of household crisis"
    legal_basis = "State statute (synthetic test agreement)"
    effective_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    expiry_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    retention_days = 1095
    status = "active"
