"""Settings: read from the environment, documented in the README, loud when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import ConfigError, Settings, documented_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text()
    for env, help_text, _ in documented_settings():
        assert f"`{env}`" in text, f"{env} is not in the README"
        assert help_text in text, f"the README's description of {env} is out of date"


def test_settings_from_env_with_overrides():
    settings = Settings.from_env(
        {
            "LEADSOURCE_DB": "/tmp/x.db",
            "LEADSOURCE_MAX_BODY_BYTES": "1024",
            "LEADSOURCE_BASE_URL": "https://ls.example/",
        },
        db_path="/tmp/override.db",
        base_url=None,
    )
    assert settings.db_path == "/tmp/override.db"
    assert settings.max_body_bytes == 1024
    assert settings.public_base == "https://ls.example"


def test_bad_integer_fails_loudly():
    with pytest.raises(ConfigError, match="LEADSOURCE_WRITER_MAX_BATCH must be an integer"):
        Settings.from_env({"LEADSOURCE_WRITER_MAX_BATCH": "lots"})
