"""The Celery app and the one beat schedule of the platform."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dhs.settings")

app = Celery("dhs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every scheduled job in one visible place. Feed pulls run per source at the cadence
# set on the source row (risk.SignalSource.schedule_minutes); this tick only asks each due
# source to pull, so changing a cadence is a data change, not a deploy.
app.conf.beat_schedule = {
    # DHS_FEED_TICK_SECONDS: tests with a real beat shorten the tick; production keeps 60 s.
    "pull-due-feeds": {"task": "risk.tasks.pull_due_sources",
                       "schedule": float(os.environ.get("DHS_FEED_TICK_SECONDS", "60"))},
    "nightly-benefit-lapses": {
        "task": "risk.tasks.ingest_benefit_lapses",
        "schedule": crontab(hour=1, minute=15),
    },
    "nightly-rescore": {"task": "risk.tasks.rescore_all", "schedule": crontab(hour=2, minute=0)},
    "rescore-watchdog": {"task": "risk.tasks.resume_stalled_runs", "schedule": 300.0},
    "hourly-flag-expiry": {"task": "alerts.tasks.expire_flags", "schedule": crontab(minute=5)},
    "nightly-queue-refresh": {"task": "alerts.tasks.refresh_all",
                              "schedule": crontab(hour=4, minute=0)},
    "sla-sweep": {"task": "alerts.tasks.sla_sweep", "schedule": crontab(minute="*/15")},
    "nightly-retention": {
        "task": "risk.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=30),
    },
    "dashboard-aggregates": {"task": "cases.tasks.refresh_dashboard_aggregates", "schedule": 60.0},
}
