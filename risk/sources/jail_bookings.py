"""Jail bookings: a parent's arrest can leave children without care overnight."""

from __future__ import annotations

from .base import (
    Adapter,
    FieldError,
    ParsedRecord,
    PersonKey,
    clean_text,
    iso,
    parse_address,
    parse_date,
    parse_name,
    required_text,
)


class JailBookingsAdapter(Adapter):
    source = "jail_bookings"
    kind = "jail_booking"
    fields = ("booking_id", "booking_date", "full_name", "date_of_birth", "address",
              "charge_code", "charge_description", "release_date")
    key_fields = ("booking_id", "booking_date", "full_name", "date_of_birth", "address")

    def natural_key(self, row: dict[str, str]) -> str:
        return clean_text(row.get("booking_id"))

    def read(self, row: dict[str, str], record_id: str) -> ParsedRecord:
        booking_id = required_text(row.get("booking_id"), "booking_id")
        booked = parse_date(row.get("booking_date"), "booking_date", required=True)
        first, middle, last = parse_name(row.get("full_name"), "full_name")
        dob = parse_date(row.get("date_of_birth"), "date_of_birth")
        address = parse_address(row.get("address"))
        released = parse_date(row.get("release_date"), "release_date")
        if released and released < booked:
            raise FieldError(f"release_date '{row.get('release_date')}' is before booking_date "
                             f"'{row.get('booking_date')}'")
        code = clean_text(row.get("charge_code"))
        description = clean_text(row.get("charge_description"))
        return ParsedRecord(
            record_id=record_id,
            fields={"booking_id": booking_id, "booking_date": iso(booked),
                    "full_name": clean_text(row.get("full_name")), "date_of_birth": iso(dob),
                    "address": clean_text(row.get("address")), "charge_code": code,
                    "charge_description": description, "release_date": iso(released)},
            person=PersonKey(first_name=first, middle_name=middle, last_name=last,
                             date_of_birth=dob, street=address["street"], unit=address["unit"],
                             zip=address["zip"], address_key=address["address_key"],
                             external_id=""),
            signal={"kind": self.kind, "occurred_on": booked, "deadline": None, "amount": None,
                    "value": None,
                    "details": {"booking_id": booking_id, "charge_code": code,
                                "charge_description": description,
                                "release_date": iso(released)}},
        )
