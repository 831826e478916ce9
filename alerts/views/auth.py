"""Sign-in, sign-out and the landing page that sends each role to its first screen."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from dhs.roles import user_role


class PortalLoginView(auth_views.LoginView):
    """Django's LoginView; django-axes counts failures and renders registration/locked_out."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["idle_minutes"] = settings.SESSION_IDLE_TIMEOUT // 60
        return context


class PortalLogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot sign someone out."""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands where its work is."""
    role = user_role(request.user)
    if role == "analyst":
        return redirect("portal:models")
    if role == "supervisor":
        return redirect("portal:supervisor")
    if role in ("caseworker", "admin"):
        return redirect("portal:queue")
    return redirect("portal:transparency")
