"""Every server setting is a config field and is documented in the README."""

from dataclasses import fields
from pathlib import Path

from server.settings import SETTINGS, ServerConfig, from_environment

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_a_config_field_with_its_default():
    defaults = {f.name: f.default for f in fields(ServerConfig)}
    assert len(SETTINGS) >= 8
    for setting in SETTINGS:
        assert defaults[setting.name] == setting.default, setting.name


def test_every_setting_is_documented_in_the_readme():
    missing = [s.name for s in SETTINGS if f"`KG_{s.name.upper()}`" not in README]
    assert missing == []


def test_environment_variables_configure_the_server(monkeypatch):
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("KG_SERVICE_ALLOW", "https://a.example/sparql, https://b.example/sparql")
    monkeypatch.setenv("KG_VALIDATE_WRITES", "false")
    config = from_environment(store_dir="x")
    assert config.query_timeout == 2.5
    assert config.service_allow == ("https://a.example/sparql", "https://b.example/sparql")
    assert config.validate_writes is False
