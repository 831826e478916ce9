"""Portal URLs (caseworker, supervisor, office dashboard, transparency).

The bookmarkable ones are a stable interface (DESIGN.md): /accounts/login/, /queue/,
/households/<ref>/, /review/links/, /supervisor/, /offices/<code>/dashboard/, /models/,
/transparency/.
"""

from __future__ import annotations

from django.urls import path

from alerts.views import auth, dashboard, households, public, queue, supervisor

app_name = "portal"

urlpatterns = [
    path("", auth.home, name="home"),
    path("accounts/login/", auth.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth.PortalLogoutView.as_view(), name="logout"),
    path("queue/", queue.queue, name="queue"),
    path("queue/items/<int:item_id>/claim/", queue.queue_claim, name="queue_claim"),
    path("households/<str:ref>/", households.household, name="household"),
    path("households/<str:ref>/act/", households.household_act, name="household_act"),
    path("households/<str:ref>/refer/", households.household_refer, name="household_refer"),
    path("households/<str:ref>/outreach/", households.household_outreach,
         name="household_outreach"),
    path("households/<str:ref>/notes/", households.household_note, name="household_note"),
    path("review/links/", supervisor.review_links, name="review_links"),
    path("review/links/<int:review_id>/", supervisor.review_link_decide,
         name="review_link_decide"),
    path("supervisor/", supervisor.supervisor, name="supervisor"),
    path("supervisor/items/<int:item_id>/assign/", supervisor.supervisor_assign,
         name="supervisor_assign"),
    path("supervisor/dismissals/<int:action_id>/", supervisor.supervisor_review,
         name="supervisor_review"),
    path("offices/<str:office_code>/dashboard/", dashboard.office_dashboard,
         name="office_dashboard"),
    path("models/", dashboard.models_page, name="models"),
    path("transparency/", public.transparency, name="transparency"),
]
urlpatterns += __import__("alerts.views_webhooks").views_webhooks.urlpatterns  # ALERTS
urlpatterns += __import__("alerts.views.health").views.health.urlpatterns  # TRUST
