"""Production settings: JSON logs on the standard error, Sentry only with a DSN and
never with personal data (each case in a fresh process, as the settings are read once)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import json, logging, django
django.setup()
import sentry_sdk
from django.conf import settings
client = sentry_sdk.get_client()
logging.getLogger("cdvs.essai").warning("bonjour %s", "Armentières")
print(json.dumps({
    "enabled": settings.SENTRY_ENABLED,
    "active": client.is_active(),
    "pii": client.options.get("send_default_pii"),
    "body": client.options.get("max_request_body_size"),
    "dsn": client.options.get("dsn"),
}))
"""


def _run(tmp_path, **env):
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "CDVS_", "LOG_"))
    }
    environ.update(
        CDVS_ENV="production",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="cdvs.example.org",
        CDVS_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="cdvs.settings",
        **env,
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", globals()["PROBE"]],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_production_logs_are_json_lines_and_sentry_stays_off_without_a_dsn(tmp_path):
    probe, stderr = _run(tmp_path)
    assert probe["enabled"] is False and probe["active"] is False
    line = json.loads(stderr.strip().splitlines()[-1])
    assert line["message"] == "bonjour Armentières"
    assert line["level"] == "WARNING" and line["logger"] == "cdvs.essai"
    assert line["request_id"] == "-"  # outside a request
    assert "time" in line


def test_sentry_starts_with_a_dsn_and_never_sends_personal_data(tmp_path):
    dsn = "https://cle@o1.ingest.sentry.invalid/1"
    probe, _ = _run(tmp_path, SENTRY_DSN=dsn)
    assert probe == {
        "enabled": True,
        "active": True,
        "pii": False,
        "body": "never",
        "dsn": dsn,
    }


def test_text_logs_can_be_chosen(tmp_path):
    _, stderr = _run(tmp_path, CDVS_LOG_FORMAT="text")
    last = stderr.strip().splitlines()[-1]
    assert last.endswith("bonjour Armentières") and "WARNING cdvs.essai [-]" in last


STORAGE_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
print(json.dumps({
    "storage": type(default_storage).__name__,
    "bucket": getattr(default_storage, "bucket_name", None),
    "endpoint": getattr(default_storage, "endpoint_url", None),
    "cache": settings.CACHES["default"]["BACKEND"],
    "sessions": settings.SESSION_ENGINE,
}))
"""


def test_object_storage_and_the_shared_cache_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PROBE", STORAGE_PROBE)
    probe, _ = _run(
        tmp_path,
        CDVS_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="cdvs",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert probe == {
        "storage": "S3Storage",
        "bucket": "cdvs",
        "endpoint": "http://127.0.0.1:9000",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "sessions": "django.contrib.sessions.backends.cached_db",
    }
    local, _ = _run(tmp_path)
    assert local["storage"] == "SafeFileSystemStorage"
    assert local["sessions"] == "django.contrib.sessions.backends.db"
