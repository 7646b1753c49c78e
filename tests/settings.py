"""Settings for the test suite: peiling's settings over plain HTTP, in a scratch var dir.

``PEILING_TEST_POSTGRES=1`` runs the suite against the PostgreSQL server on 127.0.0.1:5432
(pytest-django creates and drops the ``test_peiling`` database).
"""

import os
from pathlib import Path

os.environ.setdefault("PEILING_SECURE", "0")
# One scratch dir per database, so `make test` can run the SQLite and PostgreSQL suites at once.
os.environ.setdefault(
    "PEILING_VAR_DIR",
    str(Path(__file__).resolve().parent.parent / "var"
        / ("test-postgres" if os.environ.get("PEILING_TEST_POSTGRES") else "test")),
)
if os.environ.get("PEILING_TEST_POSTGRES"):
    os.environ["DATABASE_URL"] = os.environ.get(
        "PEILING_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peiling"
    )
else:
    os.environ.pop("DATABASE_URL", None)

from peiling.settings import *  # noqa: F403

# Each test starts without prepared datasets (tests/conftest.py clears this one).
CACHES = {**CACHES, "datasets": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",  # noqa: F405
                                 "LOCATION": "datasets"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns without it)

# Sign-ups answer at once in tests (the floor that makes members and new addresses take the
# same time is measured in bench/public_site.py, never asserted in a test).
PEILING_SIGNUP_ANSWER_MS = 0
