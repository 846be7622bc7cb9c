"""Settings: declared once, read from BINHYEN_* variables, safe defaults."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from core.config import SETTINGS, SettingsError, load_settings
from core.crypto.keyring import new_master_key, parse_master_key


def test_with_nothing_set_the_app_uses_sqlite_in_the_instance_folder(
    tmp_path: Path,
) -> None:
    settings = load_settings({"BINHYEN_INSTANCE_PATH": str(tmp_path)})
    assert settings.is_embedded
    assert settings.database_url == f"sqlite:///{tmp_path / 'binhyen.sqlite3'}"
    assert settings.migration_database_url == settings.database_url
    assert settings.redis_url is None


def test_a_missing_secret_key_is_generated_once_readable_only_by_its_owner(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"BINHYEN_INSTANCE_PATH": str(tmp_path)}
    with caplog.at_level(logging.WARNING):
        first = load_settings(env)
    assert "BINHYEN_SECRET_KEY" in caplog.text
    assert len(first.secret_key) >= 40
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert load_settings(env).secret_key == first.secret_key


def test_a_missing_master_key_is_generated_once_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"BINHYEN_INSTANCE_PATH": str(tmp_path)}
    with caplog.at_level(logging.WARNING):
        first = load_settings(env)
    assert "BINHYEN_MASTER_KEY" in caplog.text
    assert "keep a copy offline" in caplog.text
    assert len(parse_master_key(first.master_key)) == 32
    mode = stat.S_IMODE((tmp_path / "master_key").stat().st_mode)
    assert mode == 0o600
    assert load_settings(env).master_key == first.master_key
    given = load_settings({**env, "BINHYEN_MASTER_KEY": new_master_key()})
    assert given.master_key != first.master_key


def test_settings_come_from_binhyen_variables(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "BINHYEN_INSTANCE_PATH": str(tmp_path),
            "BINHYEN_DATABASE_URL": "postgresql+psycopg://app@db/binhyen",
            "BINHYEN_SECRET_KEY": "s" * 48,
            "BINHYEN_COOKIE_SECURE": "no",
            "BINHYEN_SESSION_HOURS": "4",
        }
    )
    assert not settings.is_embedded
    assert settings.database_url.startswith("postgresql")
    assert settings.secret_key == "s" * 48
    assert settings.cookie_secure is False
    assert settings.session_hours == 4
    assert not (tmp_path / "secret_key").exists()


def test_a_bad_value_names_the_variable_and_what_it_takes(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="BINHYEN_SESSION_HOURS"):
        load_settings(
            {"BINHYEN_INSTANCE_PATH": str(tmp_path), "BINHYEN_SESSION_HOURS": "-1"}
        )
    with pytest.raises(SettingsError, match="true/false"):
        load_settings(
            {"BINHYEN_INSTANCE_PATH": str(tmp_path), "BINHYEN_COOKIE_SECURE": "maybe"}
        )


def test_a_misspelt_variable_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        load_settings(
            {"BINHYEN_INSTANCE_PATH": str(tmp_path), "BINHYEN_DATABSE_URL": "x"}
        )
    assert "BINHYEN_DATABSE_URL" in caplog.text


def test_every_setting_is_described_and_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for setting in SETTINGS:
        assert len(setting.description) > 20, setting.name
        assert setting.env_var in readme, (
            f"README.md does not mention {setting.env_var}"
        )


def test_sign_on_providers_are_read_by_name_with_their_identifying_claim(
    tmp_path: Path,
) -> None:
    prefix = "BINHYEN_OIDC_"
    settings = load_settings(
        {
            "BINHYEN_INSTANCE_PATH": str(tmp_path),
            f"{prefix}VNEID_ISSUER": "https://vneid.example/",
            f"{prefix}VNEID_CLIENT_ID": "binhyen",
            f"{prefix}VNEID_PROFILE": "vneid",
            f"{prefix}BO_CONG_AN_ISSUER": "https://sso.bocongan.example",
            f"{prefix}BO_CONG_AN_CLIENT_ID": "binhyen-bca",
            f"{prefix}BO_CONG_AN_CLAIM": "preferred_username",
        }
    )
    vneid = settings.oidc_providers["vneid"]
    ministry = settings.oidc_providers["bo_cong_an"]
    assert (vneid.profile, vneid.issuer, vneid.claim) == (
        "vneid",
        "https://vneid.example/",
        "citizen_id",
    )
    assert (ministry.profile, ministry.claim) == ("generic", "preferred_username")


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"BINHYEN_OIDC_VNEID_CLIENT_ID": "x"}, "BINHYEN_OIDC_VNEID_ISSUER"),
        (
            {
                "BINHYEN_OIDC_VNEID_ISSUER": "https://i",
                "BINHYEN_OIDC_VNEID_CLIENT_ID": "x",
                "BINHYEN_OIDC_VNEID_PROFILE": "national",
            },
            "BINHYEN_OIDC_VNEID_PROFILE",
        ),
        ({"BINHYEN_OIDC_VNEID_SECRET": "x"}, "BINHYEN_OIDC_VNEID_SECRET"),
    ],
)
def test_a_provider_set_up_wrong_names_the_variable_to_fix(
    tmp_path: Path, variables: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings({"BINHYEN_INSTANCE_PATH": str(tmp_path), **variables})
