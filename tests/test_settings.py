"""Settings from the environment: safe defaults, generated secret key, deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PEILING = Path(sys.executable).parent / "peiling"


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "SECRET_KEY",
            "DEBUG",
            "PEILING_SECURE",
            "DJANGO_SETTINGS_MODULE",
            "ALLOWED_HOSTS",
        )
    }
    clean.update({"PEILING_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [str(PEILING), *args], capture_output=True, text=True, env=clean, cwd=tmp_path, check=False
    )


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _run(tmp_path, "manage", "shell", "--no-imports", "-c", code)
    second = _run(tmp_path, "manage", "shell", "--no-imports", "-c", code)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    assert first.stdout == second.stdout and first.stdout.strip() == key_file.read_text().strip()
    assert len(key_file.read_text().strip()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_defaults_are_production_safe(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.DATABASES['default']['ENGINE'])"
    )
    result = _run(tmp_path, "manage", "shell", "--no-imports", "-c", code)
    assert result.stdout.split() == ["False", "True", "True", "django.db.backends.sqlite3"]
    assert (tmp_path / "var" / "peiling.sqlite3").exists() or "sqlite3" in result.stdout


def test_database_url_is_read(tmp_path: Path) -> None:
    code = "from django.conf import settings as s; print(s.DATABASES['default']['NAME'])"
    result = _run(
        tmp_path,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        code,
        DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
    )
    assert result.stdout.strip() == str(tmp_path / "other.sqlite3")


def test_check_deploy_is_clean_for_production_settings(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k" * 20 + "-Zq8!x#Lm2@vB7$rT5^wN9&yC4*pE6(hJ3)u",
        ALLOWED_HOSTS="peiling.example.nl",
        PEILING_SECURE="1",
        DEBUG="0",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_secure_is_off(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "manage",
        "check",
        "--deploy",
        SECRET_KEY="k" * 20 + "-Zq8!x#Lm2@vB7$rT5^wN9&yC4*pE6(hJ3)u",
        PEILING_SECURE="0",
    )
    assert "peiling.W001" in result.stderr + result.stdout


def test_bad_base_url_is_a_system_check_error(tmp_path: Path) -> None:
    result = _run(tmp_path, "manage", "check", PEILING_BASE_URL="peiling.example.nl")
    assert result.returncode != 0
    assert "peiling.E001" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_warns_when_the_key_comes_from_the_generated_file(tmp_path: Path) -> None:
    result = _run(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING",
                  ALLOWED_HOSTS="peiling.example.nl", PEILING_SECURE="1", DEBUG="0")
    assert result.returncode != 0
    assert "peiling.W002" in result.stderr and "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_key_file_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    """Started from two other folders without PEILING_VAR_DIR, a server reads one key file: the
    checkout's ``var/secret_key`` (so links already mailed keep working)."""
    code = "from django.conf import settings as s; print(s.VAR_DIR); print(s.SECRET_KEY)"
    outputs = []
    for folder in ("a", "b/c"):
        cwd = tmp_path / folder
        cwd.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items()
               if k not in ("PEILING_VAR_DIR", "SECRET_KEY", "DATABASE_URL",
                            "DJANGO_SETTINGS_MODULE")}
        result = subprocess.run([str(PEILING), "manage", "shell", "--no-imports", "-c", code],
                                capture_output=True, text=True, env=env, cwd=cwd, check=False)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.split())
        assert not (cwd / "var").exists()
    checkout = Path(__file__).resolve().parents[1]
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == str(checkout / "var")
    assert outputs[0][1] == (checkout / "var" / "secret_key").read_text().strip()


def test_prepared_statements_can_be_switched_off_for_a_pooler(tmp_path: Path) -> None:
    code = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'])"
    url = "postgres://postgres@127.0.0.1:5432/peiling"
    on = _run(tmp_path, "manage", "shell", "--no-imports", "-c", code, DATABASE_URL=url)
    off = _run(tmp_path, "manage", "shell", "--no-imports", "-c", code, DATABASE_URL=url,
               DATABASE_PREPARED_STATEMENTS="0")
    assert on.stdout.strip() == "{'server_side_binding': True, 'prepare_threshold': 5}"
    assert off.stdout.strip() == "{}"


def test_a_var_folder_left_in_the_working_directory_is_named(tmp_path: Path) -> None:
    """An install that ran from its own folder kept var/ there; the new default elsewhere
    would make a new key. ``check`` says so (peiling.W003), and how to keep the old one."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("oude-sleutel")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PEILING_VAR_DIR", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run([str(PEILING), "manage", "check"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, check=False)
    assert "peiling.W003" in result.stderr
    assert f"PEILING_VAR_DIR={tmp_path / 'var'}" in result.stderr
