"""Safe by default: without DJANGO_DEBUG the settings are production ones, and they refuse
to start with the public development key (it also derives the at-rest encryption key)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_python(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run the project's Python in ROOT with a clean environment plus `variables`."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1"}
    env.update(variables)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def django_setup(**variables: str) -> subprocess.CompletedProcess:
    return run_python(
        "-c",
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SETTINGS_MODULE="hooksite.settings",
        **variables,
    )


@pytest.mark.slow  # a child Python process
def test_a_clean_environment_refuses_to_start_and_says_what_to_set():
    result = django_setup()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr  # how to generate one
    assert "DJANGO_DEBUG=1" in result.stderr  # what local use sets instead


@pytest.mark.slow  # a child Python process
def test_manage_py_check_fails_the_same_way_in_a_clean_environment():
    result = run_python("manage.py", "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.slow  # a child Python process
def test_debug_off_refuses_the_development_key_even_when_set_explicitly():
    from django.conf import settings

    result = django_setup(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=settings.INSECURE_DEV_SECRET_KEY)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.slow  # a child Python process
def test_debug_off_with_a_real_key_starts_and_check_deploy_reports_our_warnings():
    key = secrets.token_urlsafe(50)
    started = django_setup(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "False"
    checked = run_python(
        "manage.py",
        "check",
        "--deploy",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=key,
        DJANGO_ALLOWED_HOSTS="*",
        HOOKS_METRICS_TOKEN=secrets.token_urlsafe(32),
        HOOKS_ORG_URL="https://hooks.example.com",  # unset is an error: tests/test_org_url.py
    )
    assert checked.returncode == 0, checked.stderr
    assert "hooks.W002" in checked.stderr  # ALLOWED_HOSTS '*'


@pytest.mark.slow  # a child Python process
def test_production_defaults_are_the_safe_ones():
    """Loopback receivers and insecure cookies are development choices, not defaults."""
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.HOOKS_ALLOWED_NETWORKS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = run_python(
        "-c",
        probe,
        DJANGO_SETTINGS_MODULE="hooksite.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "[]", "True", "True"]


@pytest.mark.slow  # a child Python process
def test_development_mode_is_switched_on_explicitly():
    result = django_setup(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("target", ["run", "test"])
def test_make_run_and_make_test_turn_on_development_mode_themselves(target):
    """`make run` on a fresh machine (no variables) must still work: it sets DJANGO_DEBUG=1;
    `make test` gets development mode from the suite's own settings module."""
    dry_run = subprocess.run(
        ["make", "-n", target, "VENV=/nonexistent"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    command = next(
        line for line in dry_run.stdout.splitlines() if "manage.py" in line or "pytest" in line
    )
    if target == "run":
        assert "DJANGO_DEBUG=1" in command
    else:
        assert "HOOKS_TESTING=1" in command


def test_the_suite_itself_runs_in_explicit_development_mode():
    from django.conf import settings

    assert os.environ["DJANGO_SETTINGS_MODULE"] == "tests.settings"
    assert os.environ["DJANGO_DEBUG"] == "1"
    assert "127.0.0.0/8" in settings.HOOKS_ALLOWED_NETWORKS


def make_dry_run(*arguments: str) -> str:
    """What `make -n` would run on a machine with no virtualenv yet."""
    dry_run = subprocess.run(
        ["make", "-n", *arguments, "VENV=/nonexistent"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    return dry_run.stdout


def test_make_run_installs_only_what_running_needs():
    planned = make_dry_run("run")
    assert "-r requirements.txt" in planned
    assert "requirements-dev.txt" not in planned


@pytest.mark.parametrize("target", ["test", "test-fast", "lint", "typecheck", "bench"])
def test_the_development_targets_install_the_development_tools(target):
    assert "-r requirements-dev.txt" in make_dry_run(target)


def test_make_test_fast_leaves_out_the_slow_markers_and_shows_the_slowest():
    [command] = [line for line in make_dry_run("test-fast").splitlines() if "pytest" in line]
    for marker in ("integration", "browser", "live_server", "slow"):
        assert f"not {marker}" in command
    assert "--durations=" in command
