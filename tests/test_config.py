"""The configuration file: found where the user keeps it, secrets never shown, plan profiles registered there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import AS_OF
from typer.testing import CliRunner

from calaimfiles.commands import app
from calaimfiles.config import ConfigError, find_config, load_config

PROFILE = Path(__file__).resolve().parents[1] / "calaimfiles" / "layouts" / "plans" / "large-plan.toml"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user configuration folder, so the developer's own never leaks into a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "calaimfiles"


def test_the_current_folder_wins_then_pyproject_then_the_user_folder(tmp_path: Path, home: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    assert find_config(folder=work) is None
    home.mkdir(parents=True)
    (home / "calaimfiles.toml").write_text("[plans]\n", encoding="utf-8")
    assert find_config(folder=work) == home / "calaimfiles.toml"
    (work / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n", encoding="utf-8")
    assert find_config(folder=work) == home / "calaimfiles.toml"  # a pyproject without our table is not ours
    (work / "pyproject.toml").write_text("[tool.calaimfiles.plans]\nmine = 'mine.toml'\n", encoding="utf-8")
    assert find_config(folder=work) == work / "pyproject.toml"
    assert load_config(folder=work).plan_file("mine") == work / "mine.toml"
    (work / "calaimfiles.toml").write_text("", encoding="utf-8")
    assert find_config(folder=work) == work / "calaimfiles.toml"


def test_an_explicit_file_must_exist_and_be_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no configuration file"):
        find_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[plans\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[plans]\nmine = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[plans\] maps plan names to profile files"):
        load_config(wrong)


def test_config_show_masks_secrets(tmp_path: Path, home: Path) -> None:
    config = tmp_path / "calaimfiles.toml"
    config.write_text('[profiles.myplan]\nhost = "sftp.plan.example"\nuser = "provider123"\n'
                      'password = "hunter2"\nkey_passphrase = "also secret"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--config", str(config), "config", "show"])
    assert result.exit_code == 0, result.stderr
    assert "hunter2" not in result.stdout and "also secret" not in result.stdout
    shown = json.loads(result.stdout.split("\n", 1)[1])
    assert shown["profiles"]["myplan"] == {"host": "sftp.plan.example", "user": "provider123",
                                           "password": "***", "key_passphrase": "***"}
    assert result.stdout.startswith(f"configuration file: {config}")


def test_a_plan_registered_in_the_config_is_used_by_name(tmp_path: Path, home: Path) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "ours.toml").write_text(PROFILE.read_text("utf-8"), encoding="utf-8")
    config = tmp_path / "calaimfiles.toml"
    config.write_text('[plans]\nours = "profiles/ours.toml"\n', encoding="utf-8")
    shown = CliRunner().invoke(app, ["--config", str(config), "schemas", "show", "rtf", "--plan", "ours"])
    assert shown.exit_code == 0, shown.stderr
    assert "Status of Member Engagement" in shown.stdout
    unknown = CliRunner().invoke(app, ["--config", str(config), "calendar", "--as-of", str(AS_OF), "--plan", "nope"])
    assert unknown.exit_code == 2 and "unknown plan 'nope'" in unknown.stderr
    missing = CliRunner().invoke(app, ["--config", str(tmp_path / "missing.toml"), "config", "show"])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1


def test_build_takes_the_provider_phone_from_the_config(tmp_path: Path, home: Path) -> None:
    mif = Path(__file__).resolve().parents[1] / "examples" / "mif_clean.xlsx"
    config = tmp_path / "calaimfiles.toml"
    config.write_text('[provider]\nphone = "(916) 555-0199"\n', encoding="utf-8")
    draft = tmp_path / "rtf.xlsx"
    result = CliRunner().invoke(app, ["--config", str(config), "build", "rtf", "--from", str(mif),
                                      "--as-of", "2026-11-05", "-o", str(draft)])
    assert result.exit_code == 0, result.stderr
    assert "ECM Provider Phone Number" not in result.stdout  # filled, so not left for the provider
    config.write_text('[provider]\nphone = "555"\n', encoding="utf-8")
    bad = CliRunner().invoke(app, ["--config", str(config), "build", "rtf", "--from", str(mif), "-o",
                                   str(tmp_path / "other.xlsx")])
    assert bad.exit_code == 2 and "[provider] phone in" in bad.stderr
