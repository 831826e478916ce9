"""Django admin of the platform records; the audit log is read-only and reading it is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse

from .audit import audit_record
from .models import (
    AuditEvent,
    DataSharingAgreement,
    Office,
    PartnerAgency,
    PartnerToken,
    StaffProfile,
)
from .roles import user_role


class RoleAdminMixin:
    """Staff of the admin role manage every record without per-model Django permissions.

    Roles are auth groups carrying the dhs.* permissions; rather than also granting each group
    dozens of add/change/delete permissions, the admin role is the permission here.
    """

    def _is_admin_role(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff \
            and user_role(request.user) == "admin"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin_role(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin_role(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._is_admin_role(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin_role(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin_role(request) or super().has_delete_permission(request, obj)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    autocomplete_fields = ["office"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(RoleAdminMixin, UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "email", "is_active", "is_staff", "role", "office"]
    list_filter = ["is_active", "is_staff", "groups", "staff__office"]
    search_fields = ["username", "email", "first_name", "last_name"]
    list_select_related = ["staff__office"]

    @admin.display(description="role")
    def role(self, obj: Any) -> str:
        return ", ".join(g.name for g in obj.groups.all()) or "-"

    @admin.display(description="office", ordering="staff__office__code")
    def office(self, obj: Any) -> str:
        staff = getattr(obj, "staff", None)
        return staff.office.code if staff and staff.office else "-"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(Office)
class OfficeAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "county", "opening_hours", "sustainable_caseload",
                    "weekly_capacity"]
    list_filter = ["county"]
    search_fields = ["code", "name", "county", "address"]


@admin.register(StaffProfile)
class StaffProfileAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["user", "office", "max_caseload"]
    list_filter = ["office", "user__groups"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "office__code"]
    list_select_related = ["user", "office"]
    autocomplete_fields = ["office"]


class AgreementInline(admin.TabularInline):
    model = DataSharingAgreement
    extra = 0
    fields = ["reference", "purpose", "status", "effective_date", "expiry_date"]
    show_change_link = True


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "active", "contact_email"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "contact_email"]
    inlines = [AgreementInline]


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "partner", "status", "effective_date", "expiry_date",
                    "active_today", "purpose", "retention_days"]
    list_filter = ["status", "partner__kind", "receives_referrals", "expiry_date"]
    search_fields = ["reference", "partner__code", "partner__name", "purpose", "legal_basis"]
    list_select_related = ["partner"]
    date_hierarchy = "expiry_date"

    @admin.display(boolean=True, description="active today")
    def active_today(self, obj: DataSharingAgreement) -> bool:
        return obj.is_active()


@admin.register(PartnerToken)
class PartnerTokenAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Tokens are issued by `create_partner` (the plain token is shown once); here: revoke."""

    list_display = ["partner", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["partner"]
    search_fields = ["partner__code", "prefix"]
    readonly_fields = ["partner", "prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["partner"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes audit events, and each search is audited."""

    list_display = ["at", "username", "partner", "action", "object_type", "object_id",
                    "household_ref", "purpose", "ip_address"]
    list_filter = ["action", "object_type", "at"]
    search_fields = ["username", "household_ref", "person_ref", "object_id", "action", "purpose"]
    date_hierarchy = "at"
    actions = None
    list_select_related = ["partner"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def _may_view(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (
            user.has_perm("dhs.view_audit") or user_role(user) == "admin")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_view(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if self._may_view(request):
            audit_record(action="audit_search", request=request, object_type="AuditEvent",
                         purpose="audit log search",
                         details={"query": dict(request.GET.items())})
        return super().changelist_view(request, extra_context)
