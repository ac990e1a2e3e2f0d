"""The `leadsource` command's public contract: what it prints and how it fails."""

from __future__ import annotations

import json

import pytest

from ingest import storage
from ingest.ops.cli import main


@pytest.fixture
def cli(db_url, capsys, monkeypatch):
    db_path = db_url
    monkeypatch.setenv("LEADSOURCE_BASE_URL", "https://ls.example")

    def run(*args: str) -> tuple[int, dict | None, str]:
        code = main([*args, "--db", db_path])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if code == 0 else None), err

    run.db_path = db_path  # type: ignore[attr-defined]
    return run


def test_tenant_create_prints_id_and_key(cli):
    code, out, _ = cli(
        "tenant", "create", "acme", "--origin", "https://www.acme.example/", "--utm-transfer", "off"
    )
    assert code == 0
    assert out["tenant_id"] == "acme"
    assert out["api_key"].startswith("ls_") and len(out["api_key"]) > 30
    assert out["script_tag"] == '<script src="https://ls.example/t/acme/utm.js"></script>'
    with storage.connect(cli.db_path, tuples=True) as conn:
        assert conn.execute("SELECT utm_transfer FROM tenants").fetchone() == (0,)
        assert conn.execute("SELECT origin FROM tenant_origins").fetchall() == [
            ("https://www.acme.example",)
        ]
        # Only a hash of the key is stored.
        assert out["api_key"] not in str(conn.execute("SELECT * FROM tenants").fetchall())
        assert conn.execute("SELECT name, created_by FROM api_keys").fetchall() == [
            ("default", None)
        ]
        assert out["api_key"] not in str(conn.execute("SELECT * FROM api_keys").fetchall())


def test_tenant_create_twice_fails_clearly(cli):
    cli("tenant", "create", "acme")
    code, _, err = cli("tenant", "create", "acme")
    assert code == 2
    assert "already exists" in err


@pytest.mark.parametrize("tenant_id", ["Acme", "_acme", "a b", "x" * 64, "ac/me"])
def test_tenant_id_rules(cli, tenant_id):
    code, _, err = cli("tenant", "create", tenant_id)
    assert code == 2
    assert "tenant id" in err


def test_bad_origin_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as exit_info:
        cli("tenant", "create", "acme", "--origin", "www.acme.example")
    assert exit_info.value.code == 2


def test_tenant_update(cli):
    cli("tenant", "create", "acme", "--origin", "https://a.example")
    code, out, _ = cli(
        "tenant",
        "update",
        "acme",
        "--utm-transfer",
        "off",
        "--origin",
        "https://b.example",
        "--origin",
        "https://c.example",
    )
    assert code == 0
    assert out == {
        "tenant_id": "acme",
        "utm_transfer": "off",
        "origins": ["https://b.example", "https://c.example"],
        "keep_params": [],
        "script_options": [],
        "retention_days": None,
        "script_tag": '<script src="https://ls.example/t/acme/utm.js"></script>',
    }
    code, out, _ = cli("tenant", "update", "acme", "--rotate-key", "--clear-origins")
    assert out["origins"] == [] and out["api_key"].startswith("ls_")
    code, _, err = cli("tenant", "update", "nobody", "--utm-transfer", "on")
    assert code == 2 and "no tenant" in err


def test_tenant_create_prints_its_settings_with_the_script_options(cli):
    code, out, _ = cli("tenant", "create", "acme", "--script-options", "API, pageviews,api")
    assert code == 0
    # Checked, lowercased, once each and in the build's order.
    assert out["script_options"] == ["pageviews", "api"]
    assert out["utm_transfer"] == "on" and out["origins"] == []
    with storage.connect(cli.db_path, tuples=True) as conn:
        assert conn.execute("SELECT script_options FROM tenants").fetchone() == ("pageviews,api",)
    code, out, _ = cli("tenant", "create", "plain")
    assert out["script_options"] == []


def test_tenant_update_replaces_the_script_options(cli):
    cli("tenant", "create", "acme", "--script-options", "consent")
    code, out, _ = cli("tenant", "update", "acme", "--script-options", "inputs,crossdomain")
    assert code == 0 and out["script_options"] == ["inputs", "crossdomain"]
    # Other settings leave them alone; "none" clears them.
    _, out, _ = cli("tenant", "update", "acme", "--utm-transfer", "off")
    assert out["script_options"] == ["inputs", "crossdomain"]
    _, out, _ = cli("tenant", "update", "acme", "--script-options", "none")
    assert out["script_options"] == []


def test_unknown_script_option_is_a_usage_error(cli, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli("tenant", "create", "acme", "--script-options", "pageviews,heatmaps")
    assert exit_info.value.code == 2
    assert "unknown script option heatmaps" in capsys.readouterr().err


def test_form_create_prints_snippets(cli):
    cli("tenant", "create", "acme")
    code, out, _ = cli(
        "form",
        "create",
        "acme",
        "--name",
        "Contact <us>",
        "--publish",
        "--thank-you",
        "https://www.acme.example/thanks",
        "--field",
        "phone:Phone number:required",
    )
    assert code == 0
    form_id = out["form_id"]
    assert out["hosted_url"] == f"https://ls.example/t/acme/forms/{form_id}"
    assert out["published"] is True
    html = out["embed_html"]
    assert f'action="https://ls.example/t/acme/forms/{form_id}"' in html
    assert 'method="post"' in html
    for name in ("email", "first_name", "last_name", "company", "phone"):
        assert f'name="{name}"' in html
    assert "<script" not in html


def test_form_create_for_unknown_tenant(cli):
    code, _, err = cli("form", "create", "nobody", "--name", "X")
    assert code == 2 and "no tenant" in err


def test_form_update_publishes(cli):
    cli("tenant", "create", "acme")
    _, form, _ = cli("form", "create", "acme", "--name", "Later")
    assert form["published"] is False
    code, out, _ = cli("form", "update", "acme", form["form_id"], "--publish")
    assert code == 0 and out["published"] is True
    code, _, err = cli("form", "update", "other", form["form_id"], "--publish")
    assert code == 2 and "no form" in err


@pytest.mark.parametrize("field", ["email", "utm_source:x", "ls_hidden", "bad name"])
def test_form_fields_cannot_shadow_ours(cli, field):
    cli("tenant", "create", "acme")
    try:
        code, _, _ = cli("form", "create", "acme", "--name", "X", "--field", field)
    except SystemExit as exc:
        code = exc.code
    assert code == 2


def test_serve_runs_on_uvicorns_fast_parts():
    """``leadsource serve``'s uvicorn options leave the parser and the loop to uvicorn, which
    picks httptools and uvloop, both dependencies (pyproject.toml), over h11 and asyncio's
    loop: a quarter more submissions a second (README, Speed)."""
    import sys

    from uvicorn.config import Config
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from ingest.config import Settings
    from ingest.ops.cli import server_options

    async def app(scope, receive, send) -> None:  # never called: only the config loads
        raise AssertionError

    config = Config(app, **server_options(Settings()))
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    if sys.platform != "win32":  # uvloop has no Windows build
        import uvloop

        loop = config.get_loop_factory()()
        try:
            assert isinstance(loop, uvloop.Loop)
        finally:
            loop.close()
