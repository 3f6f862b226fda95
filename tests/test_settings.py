from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, SettingsError


def test_environment_sets_every_option() -> None:
    settings = Settings.from_env(
        {
            "BILANG_KARYO_HOST": "0.0.0.0",
            "BILANG_KARYO_PORT": "9000",
            "BILANG_KARYO_GUIDES": "/srv/guides",
            "BILANG_KARYO_OFFICE": "/srv/office.toml",
            "BILANG_KARYO_DATA": "/srv/data",
            "BILANG_KARYO_WATCH": "false",
        }
    )
    assert settings.host == "0.0.0.0"
    assert settings.port == 9000
    assert settings.guides_dir == Path("/srv/guides")
    assert settings.office_file == Path("/srv/office.toml")
    assert settings.data_dir == Path("/srv/data")
    assert settings.watch is False


def test_command_line_overrides_environment() -> None:
    settings = Settings.from_env({"BILANG_KARYO_PORT": "9000"}).with_overrides(port=9100, host=None)
    assert settings.port == 9100
    assert settings.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("name", "value"), [("PORT", "eighty"), ("PORT", "70000"), ("WATCH", "maybe")]
)
def test_bad_environment_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"BILANG_KARYO_{name}"):
        Settings.from_env({f"BILANG_KARYO_{name}": value})
