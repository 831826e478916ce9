"""Production settings refuse to start without a SECRET_KEY."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

SETUP = "import django; django.setup()"


def run_setup(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DEBUG", "DHS_TESTING"}}
    clean.update(DJANGO_SETTINGS_MODULE="dhs.settings", **env)
    return subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)


def test_production_without_secret_key_refuses_to_start() -> None:
    result = run_setup(DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_with_secret_key_starts() -> None:
    result = run_setup(DEBUG="false", SECRET_KEY="synthetic-" + "x" * 50)
    assert result.returncode == 0, result.stderr


def test_malformed_boolean_fails_loudly() -> None:
    result = run_setup(DEBUG="ture")
    assert result.returncode != 0
    assert "is not a boolean" in result.stderr
