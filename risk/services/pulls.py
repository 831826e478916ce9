"""Scheduled pulls: which sources are due, and reading a drop folder or an HTTPS endpoint.

Beat asks `sources_due` every minute; each due source is pulled by `source_pull` on a worker.
A pull reads only what is new (a watermark per source) and hands each file to
`ingestion.ingest_file`, the same code the command line and the partner API use.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.utils import timezone

from dhs.exceptions import ApplicationError
from risk.models import FeedBatch, SignalSource
from risk.services.ingestion import DEFAULT_SCHEDULES, ingest_file, source_get_or_create

logger = logging.getLogger(__name__)

# A file younger than this may still be being written; it is left for the next pull.
SETTLE_SECONDS = 1.0
HTTP_TIMEOUT = 60


def sources_due(*, now: dt.datetime | None = None) -> list[str]:
    """Claim the sources whose pull is due (a conditional update, so two beats never both do).

    schedule_minutes 0 means every tick. Push and internal sources are not pulled here.
    """
    now = now or timezone.now()
    for name in DEFAULT_SCHEDULES:
        source_get_or_create(source=name)
    due = []
    for src in SignalSource.objects.filter(enabled=True,
                                           location_kind__in=[SignalSource.FOLDER,
                                                              SignalSource.HTTPS]):
        last = src.last_pulled_at
        if last is not None and now - last < dt.timedelta(minutes=src.schedule_minutes):
            continue
        claimed = SignalSource.objects.filter(pk=src.pk, last_pulled_at=last).update(
            last_pulled_at=now)
        if claimed:
            due.append(src.name)
    return due


def _file_key(path: Path) -> str:
    """Watermark of a file: modification time (ns, zero-padded) and name, comparable as text."""
    return f"{path.stat().st_mtime_ns:020d}|{path.name}"


def pull_folder(*, config: SignalSource) -> list[FeedBatch]:
    """Read the new files of a drop folder, oldest first; the folder is never written to."""
    folder = Path(config.location)
    if not folder.is_dir():
        raise ApplicationError(f"The feed folder {folder} does not exist.", code="no_folder")
    now_ns = dt.datetime.now(tz=dt.UTC).timestamp() * 1e9
    candidates = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith(".") \
                or path.suffix.lower() in {".tmp", ".part", ".partial"}:
            continue
        key = _file_key(path)
        if key <= (config.watermark or ""):
            continue
        candidates.append((key, path))
    batches = []
    for key, path in sorted(candidates):
        if now_ns - path.stat().st_mtime_ns < SETTLE_SECONDS * 1e9:
            break  # still being written; keep order: later files wait too
        batch = ingest_file(source=config.name, path=path, partner=config.partner)
        batches.append(batch)
        config.watermark = key
        config.save(update_fields=["watermark"])
    return batches


def pull_https(*, config: SignalSource) -> list[FeedBatch]:
    """GET the source's URL with `?since=<watermark>`; the CSV answer is ingested as a file.

    The next watermark is the server's `X-Next-Since` header when it sends one, else the time
    the request was made (UTC, ISO 8601).
    """
    import tempfile
    import urllib.error
    import urllib.parse
    import urllib.request

    asked_at = timezone.now().astimezone(dt.UTC).replace(microsecond=0).isoformat()
    url = config.location
    if config.watermark:
        sep = "&" if urllib.parse.urlsplit(url).query else "?"
        url = f"{url}{sep}{urllib.parse.urlencode({'since': config.watermark})}"
    if urllib.parse.urlsplit(url).scheme not in {"https", "http"}:
        raise ApplicationError(f"The feed location {config.location} is not an HTTPS URL.",
                               code="bad_location")
    request = urllib.request.Request(url, headers={"Accept": "text/csv"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310  # nosec B310
            next_since = response.headers.get("X-Next-Since") or asked_at
            with tempfile.NamedTemporaryFile(prefix=f"{config.name}-", suffix=".csv",
                                             delete=False) as tmp:
                for block in iter(lambda: response.read(1 << 20), b""):
                    tmp.write(block)
                tmp_path = Path(tmp.name)
    except (urllib.error.URLError, TimeoutError) as exc:  # the task retries with backoff
        reason = getattr(exc, "reason", exc)
        raise ConnectionError(f"GET {url} failed: {reason}") from exc
    try:
        if tmp_path.stat().st_size == 0:
            batches = []
        else:
            batches = [ingest_file(source=config.name, path=tmp_path, partner=config.partner,
                                   file_name=url)]
    finally:
        tmp_path.unlink(missing_ok=True)
    config.watermark = next_since[:200]
    config.save(update_fields=["watermark"])
    return batches


def source_pull(*, source: str) -> list[FeedBatch]:
    """Pull one source's location now; records the outcome on the source row."""
    config = source_get_or_create(source=source)
    try:
        if config.location_kind == SignalSource.FOLDER:
            batches = pull_folder(config=config)
        elif config.location_kind == SignalSource.HTTPS:
            batches = pull_https(config=config)
        else:
            batches = []
    except ApplicationError as exc:  # AgreementError included: nothing stored, say why
        SignalSource.objects.filter(pk=config.pk).update(last_error=exc.message[:2000])
        logger.warning("pull of %s refused: %s", source, exc.message)
        return []
    except ConnectionError as exc:  # recorded, then retried by the task
        SignalSource.objects.filter(pk=config.pk).update(last_error=str(exc)[:2000])
        raise
    SignalSource.objects.filter(pk=config.pk).update(last_error="",
                                                     last_pulled_at=timezone.now())
    return batches
