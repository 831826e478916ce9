"""Django admin of case records: searchable by refs, names and codes; reads of a person audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from dhs.admin import RoleAdminMixin
from dhs.audit import audit_record

from .models import (
    Case,
    CaseNote,
    CrisisEvent,
    Household,
    OfficeVisit,
    Person,
    ProgramEnrollment,
)


class AuditedReadMixin:
    """Opening one household's or person's page in the admin is a read of personal data."""

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if obj is not None and request.method == "GET":
            household = obj if isinstance(obj, Household) else getattr(obj, "household", None)
            audit_record(action="admin_view", request=request, object_type=type(obj).__name__,
                         object_id=obj.pk, household_ref=household.ref if household else "",
                         person_ref=obj.ref if isinstance(obj, Person) else "",
                         purpose="record administration")
        return response


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["ref", "first_name", "middle_name", "last_name", "date_of_birth", "sex",
              "relationship"]
    show_change_link = True


class EnrollmentInline(admin.TabularInline):
    model = ProgramEnrollment
    extra = 0
    fields = ["program", "person", "start_date", "end_date", "recert_due_date"]
    raw_id_fields = ["person"]


@admin.register(Household)
class HouseholdAdmin(AuditedReadMixin, RoleAdminMixin, admin.ModelAdmin):
    list_display = ["ref", "office", "city", "zip", "housing", "monthly_income", "sms_consent"]
    list_filter = ["office", "housing", "sms_consent", "state"]
    search_fields = ["=ref", "street", "city", "zip", "address_key", "phone",
                     "members__ref", "members__last_name"]
    list_select_related = ["office"]
    readonly_fields = ["address_key", "created_at", "updated_at"]
    inlines = [PersonInline, EnrollmentInline]
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(AuditedReadMixin, RoleAdminMixin, admin.ModelAdmin):
    list_display = ["ref", "first_name", "last_name", "date_of_birth", "relationship",
                    "household"]
    list_filter = ["relationship", "sex", "household__office"]
    search_fields = ["=ref", "first_name", "last_name", "=household__ref"]
    list_select_related = ["household"]
    raw_id_fields = ["household"]
    show_full_result_count = False
    # Minimisation: race/ethnicity is for the fairness audit and aggregates only (TRUST).
    exclude = ["race_ethnicity"]


@admin.register(Case)
class CaseAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["household", "program", "status", "opened_on", "closed_on", "assigned_to"]
    list_filter = ["program", "status", "household__office"]
    search_fields = ["=household__ref", "assigned_to__username"]
    list_select_related = ["household", "assigned_to"]
    raw_id_fields = ["household", "assigned_to"]


@admin.register(CaseNote)
class CaseNoteAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["household", "author", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["=household__ref", "author__username", "body"]
    list_select_related = ["household", "author"]
    raw_id_fields = ["household", "case", "author"]


@admin.register(ProgramEnrollment)
class ProgramEnrollmentAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["household", "program", "start_date", "end_date", "recert_due_date"]
    list_filter = ["program", "household__office"]
    search_fields = ["=household__ref", "=person__ref"]
    list_select_related = ["household"]
    raw_id_fields = ["household", "person"]
    date_hierarchy = "recert_due_date"


@admin.register(OfficeVisit)
class OfficeVisitAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["office", "arrived_at", "served_at", "service_type", "household"]
    list_filter = ["office", "service_type"]
    search_fields = ["office__code", "=household__ref"]
    list_select_related = ["office", "household"]
    raw_id_fields = ["household"]
    date_hierarchy = "arrived_at"
    show_full_result_count = False


@admin.register(CrisisEvent)
class CrisisEventAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["household", "event_type", "event_date", "source", "recorded_by"]
    list_filter = ["event_type", "source", "household__office"]
    search_fields = ["=household__ref"]
    list_select_related = ["household", "recorded_by"]
    raw_id_fields = ["household", "recorded_by"]
    date_hierarchy = "event_date"
