"""The bot reads its two secrets from files (docker, swarm) or, without *_FILE, the env."""

from __future__ import annotations

import pytest

from bot.config import Config, ConfigError


def test_tokens_come_from_their_files(tmp_path) -> None:
    (tmp_path / "discord_token").write_text("disc-token-from-file\n")
    (tmp_path / "instance_token").write_text("inst-token-from-file")
    config = Config.from_env({"DISCORD_TOKEN_FILE": str(tmp_path / "discord_token"),
                              "INSTANCE_TOKEN_FILE": str(tmp_path / "instance_token"),
                              "DISCORD_TOKEN": "ignored-when-a-file-is-named"})
    assert config.discord_token == "disc-token-from-file"
    assert config.instance_token == "inst-token-from-file"


def test_without_files_the_environment_is_read() -> None:
    config = Config.from_env({"DISCORD_TOKEN": "disc-env", "INSTANCE_TOKEN": "inst-env"})
    assert (config.discord_token, config.instance_token) == ("disc-env", "inst-env")


def test_a_named_file_that_is_missing_is_a_configuration_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN_FILE"):
        Config.from_env({"DISCORD_TOKEN_FILE": str(tmp_path / "absent")})
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        Config.from_env({})
