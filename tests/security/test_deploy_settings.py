"""Production settings pass Django's deploy checks, and bandit finds nothing above low."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PRODUCTION = {"DEBUG": "false", "ALLOWED_HOSTS": "dhs.example.gov",
              "CSRF_TRUSTED_ORIGINS": "https://dhs.example.gov"}


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "DEBUG", "DHS_TESTING", "ALLOWED_HOSTS"}}
    env.update(PRODUCTION, SECRET_KEY=secrets.token_urlsafe(64),
               DJANGO_SETTINGS_MODULE="dhs.settings")
    return env


def test_check_deploy_prints_no_warning():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                             "--fail-level", "WARNING"], cwd=ROOT, env=production_env(),
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "security.W" not in output, output
    assert "no issues" in output


def test_production_headers_https_hsts_cookies_and_csp():
    """The settings check --deploy looks at, read back from the running configuration."""
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
            "'unsafe-inline' not in str(s.CONTENT_SECURITY_POLICY), "
            "'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"] * 7, result.stdout


def test_bandit_finds_nothing_above_low_severity():
    bandit = Path(sys.executable).with_name("bandit")
    exe = str(bandit) if bandit.exists() else shutil.which("bandit")
    assert exe, "bandit is in requirements-dev.txt"
    result = subprocess.run([exe, "-r", "dhs", "cases", "risk", "alerts", "-ll", "-q",
                             "-c", "pyproject.toml"], cwd=ROOT, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
