"""migrator.toml: profiles as the commands see them, run against real emulators.

Precedence: a flag, then its environment variable, then the profile, then [defaults],
then the built-in default."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import anyio
import orjson
import pytest

from migrator.config import load_settings
from migrator.errors import ConfigError
from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, team_rows, write_csv, writes

FAST = ["--no-progress", "--settle-delay", "0.1", "--settle-timeout", "0.4"]


def clean_env(**extra: str) -> dict[str, str]:
    """No BUTTER_* / MIGRATOR_* variables: only the file speaks, unless a test says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUTTER_", "MIGRATOR_"))}
    env.update(extra)
    return env


def write_config(folder: Path, text: str) -> Path:
    path = folder / "migrator.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def migrator(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", *args],
        cwd=cwd,
        env={**env, "COLUMNS": "200"},
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    done.stdout, done.stderr = done.stdout.decode(), done.stderr.decode()
    return done


def rehearsal(base_url: str, **more: object) -> str:
    lines = [f"{k} = {orjson.dumps(v).decode()}" for k, v in more.items()]
    return (
        '[defaults]\nrate = 200\ncanary = 0\nstate = "st"\n\n'
        f'[profile.rehearsal]\napi_base = "{base_url}"\n'
        'token_env = "EMU_WRITE"\nread_token_env = "EMU_READ"\n' + "\n".join(lines) + "\n"
    )


TOKENS = {"EMU_WRITE": "w-token", "EMU_READ": "r-token"}


@pytest.mark.anyio
async def test_a_profile_aiming_at_the_emulator_runs_verifies_and_finds_its_ledger(
    emulator, tmp_path
):
    write_config(tmp_path, rehearsal(emulator.base_url))
    source = write_csv(tmp_path / "team.csv", team_rows(5))
    env = clean_env(**TOKENS)
    run = await migrator(
        tmp_path, "run", str(TEAM_MAPPING), "--source", str(source), "--profile", "rehearsal",
        *FAST, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    await emulator.settle()
    assert len(writes(emulator.state())) == 5
    # The profile's state folder (relative to the config file), one subfolder per target.
    port = emulator.base_url.split(":")[-1].split("/")[0]
    ledger = tmp_path / "st" / f"127.0.0.1-{port}" / "team_members.ledger.sqlite"
    assert ledger.is_file()

    status = await migrator(tmp_path, "status", "--json", "--profile", "rehearsal", env=env)
    assert status.returncode == 0, status.stderr
    report = orjson.loads(status.stdout)
    assert (tmp_path / report["ledger"]).resolve() == ledger.resolve() and report["total"] == 5

    verify = await migrator(
        tmp_path, "verify", str(TEAM_MAPPING), "--source", str(source), "--profile", "rehearsal",
        "--settle-delay", "0.1", env=env,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "as sent" in verify.stdout


@pytest.mark.anyio
async def test_a_flag_wins_over_a_profile_and_a_disagreeing_exported_base_is_refused(
    make_emulator, tmp_path
):
    profiled, flagged, from_env = [await make_emulator() for _ in range(3)]
    write_config(tmp_path, rehearsal(profiled.base_url))
    env = clean_env(**TOKENS)
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    args = ["run", str(TEAM_MAPPING), "--source", str(source), "--profile", "rehearsal", *FAST]

    done = await migrator(tmp_path, *args, "--api-base", flagged.base_url, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    # An exported BUTTER_API_BASE naming another target than the chosen profile: refused,
    # neither target written (a live URL left in the shell must not win over a rehearsal).
    done = await migrator(tmp_path, *args, env={**env, "BUTTER_API_BASE": from_env.base_url})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "[profile.rehearsal] api_base is" in done.stderr
    assert "BUTTER_API_BASE" in done.stderr and "migrator.toml" in done.stderr
    # The same variable naming the profile's own target is no conflict.
    same = await migrator(tmp_path, *args, env={**env, "BUTTER_API_BASE": profiled.base_url})
    assert same.returncode == 0, same.stdout + same.stderr
    await flagged.settle()
    assert len(writes(flagged.state())) == 2
    await profiled.settle()
    assert len(writes(profiled.state())) == 2
    assert writes(from_env.state()) == []
    # Without a profile, an exported BUTTER_API_BASE wins over [defaults] as before.
    write_config(tmp_path, f'[defaults]\napi_base = "{profiled.base_url}"\ncanary = 0\n')
    no_profile = [a for a in args if a not in ("--profile", "rehearsal")]
    done = await migrator(
        tmp_path, *no_profile, "--ledger", str(tmp_path / "z.sqlite"),
        env={**env, "BUTTER_API_BASE": from_env.base_url, "BUTTER_WRITE_TOKEN": "w-token"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    await from_env.settle()
    assert len(writes(from_env.state())) == 2
    write_config(tmp_path, rehearsal(profiled.base_url))

    # BUTTER_WRITE_TOKEN set wins over the profile's variable (here holding a wrong token).
    done = await migrator(
        tmp_path, *args, "--api-base", flagged.base_url, "--ledger", str(tmp_path / "x.sqlite"),
        env={**env, "EMU_WRITE": "wrong-token", "BUTTER_WRITE_TOKEN": "w-token"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # ...and without it, the profile's wrong token is what is sent: refused, the run stops.
    done = await migrator(
        tmp_path, *args, "--api-base", flagged.base_url, "--ledger", str(tmp_path / "y.sqlite"),
        env={**env, "EMU_WRITE": "wrong-token"},
    )  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    assert "wrong-token" not in done.stdout + done.stderr


@pytest.mark.anyio
async def test_a_token_in_the_file_is_refused_naming_the_file_and_key(emulator, tmp_path):
    config = write_config(
        tmp_path,
        f'[profile.live]\napi_base = "{emulator.base_url}"\nwrite_token = "s3cret-w-token-42"\n',
    )
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    done = await migrator(
        tmp_path, "run", str(TEAM_MAPPING), "--source", str(source), "--profile", "live", *FAST,
        env=clean_env(BUTTER_WRITE_TOKEN="w-token", BUTTER_READ_TOKEN="r-token"),
    )  # fmt: skip
    assert done.returncode == 2
    assert f"{config.name}: [profile.live] write_token: a token does not go in the config" in (
        done.stderr
    )
    assert "token_file" in done.stderr and "token_env" in done.stderr
    assert "s3cret-w-token-42" not in done.stdout + done.stderr
    assert emulator.state()["requests"] == []


@pytest.mark.anyio
async def test_unknown_keys_and_profiles_get_a_did_you_mean(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    config = write_config(other, "[defaults]\nconcurency = 8\n\n[profile.live]\nrate = 2\n")
    env = clean_env(MIGRATOR_CONFIG=str(config))  # found through the variable, not the cwd
    done = await migrator(tmp_path, "run", str(TEAM_MAPPING), "--dry-run", env=env)
    assert done.returncode == 2
    assert f"{config}: [defaults] concurency: unknown key; did you mean 'concurrency'?" in (
        done.stderr
    )
    config.write_text("[defaults]\nrate = 2\n\n[profile.live]\nrate = 2\n")
    done = await migrator(tmp_path, "status", "--profile", "lvie", env=env)
    assert done.returncode == 2
    assert "no [profile.lvie]; did you mean 'live'? (profiles: live)" in done.stderr
    # --profile with no file anywhere says how to make one.
    done = await migrator(tmp_path, "status", "--profile", "live", env=clean_env())
    assert done.returncode == 2 and "no migrator.toml here" in done.stderr


def test_a_profile_overrides_the_defaults_and_paths_are_the_files(tmp_path):
    (tmp_path / "w.token").write_text("w-token\n")
    config = write_config(
        tmp_path,
        '[defaults]\nrate = 5\nconcurrency = 2\ntoken_env = "DEFAULT_TOKEN"\nstate = "s"\n'
        '[profile.live]\nrate = 1.5\ntoken_file = "w.token"\n',
    )
    base = load_settings(config, None)
    assert base.defaults == {"rate": 5.0, "concurrency": 2, "state": tmp_path / "s"}
    assert base.token_env == "DEFAULT_TOKEN"
    live = load_settings(config, "live")
    # The profile's token (a file) replaces the defaults' (a variable) altogether.
    assert live.defaults == {
        "rate": 1.5,
        "concurrency": 2,
        "state": tmp_path / "s",
        "token_file": tmp_path / "w.token",
    }
    assert live.token_env is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[defaults]\nrate = 0\n", "[defaults] rate: expected a number of requests per second"),
        ("[defaults]\ncanary = -1\n", "[defaults] canary: expected a whole number"),
        ('[defaults]\nconcurrency = "4"\n', "[defaults] concurrency: expected a whole number"),
        ('[defaults]\ntoken_env = "abc def"\n', "[defaults] token_env: expected the name of"),
        ('[defaults]\ntoken_file = "nope"\n', "[defaults] token_file: no such file"),
        ('[defaults]\napi_base = "ftp://x"\n', "[defaults] api_base: --api-base"),
        ("[profiles.live]\nrate = 1\n", "unknown table [profiles]; did you mean 'profile'?"),
        ('[defaults]\npassword = "hunter22"\n', "[defaults] password: a token does not go"),
        ("[defaults\n", "cannot read it"),
    ],
)
def test_bad_settings_are_named(tmp_path, text: str, message: str):
    config = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, None)
    assert str(caught.value).startswith(f"{config}: ")
    assert message in str(caught.value)
    assert "hunter22" not in str(caught.value)
