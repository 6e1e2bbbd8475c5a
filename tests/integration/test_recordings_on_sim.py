"""Recordings kept right, through the real controller on the simulated switch: each segment of a transferred
call is a row linked to the call, agent and citizen; retention deletes the files it expires; erasing a citizen
erases their recordings, voicemails and campaign contacts; voicemails are a work list staff mark done."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

import cli
from fsapp.api.client import ApiClient
from fsapp.dialer.campaigns import CampaignStore
from fsapp.dialer.settings import CampaignSettings
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.controller import Controller
from fsapp.store import RetentionPolicy, open_store
from tests.api.api_waits import CHANGES, wait_until
from tests.api.conftest import free_port
from tests.integration.conftest import MONDAY_MORNING, ROOT, WAIT, controller_config, one_clock


def watched(controller):
    controller.acd.change_listeners.append(CHANGES.poke)
    controller.switch.listen(CHANGES.poke)
    return controller


def run_cli(config_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli.main, ["--config", str(config_path), *args], env={"FSAPP_ACTOR": "dpo"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def write_config(tmp_path: Path, database_url: str, **settings: str) -> Path:
    """An fsapp.yaml for the command line on the controller's store (retention days and the like)."""
    path = tmp_path / "cli.yaml"
    lines = [f"database: {{url: '{database_url}'}}"]
    lines += ["retention:", *[f"  {k}: {v}" for k, v in settings.items()]] if settings else []
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_transferred_call_keeps_each_segment_and_retention_deletes_the_file(sim: SimulatedSwitch, make_controller,
                                                                              keypad, tmp_path) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0, hangup_after=None)
    sim.add_endpoint("1006", behaviour="answer", answer_after=1.0, hangup_after=None)
    sim.core.observers.append(CHANGES.poke)
    controller = watched(make_controller(MONDAY_MORNING))
    kari = controller.store.add_citizen("Kari Nordmann", ["+4790000401"])
    controller.acd.agent_login("ingrid")
    caller = keypad("0").call("+4790000401")
    wait_until(lambda: controller.acd.router.agent_call(caller) == "ingrid", WAIT, "ingrid talking to Kari")
    sim.channel(caller).sleep(2.0)
    controller.acd.agent_login("jonas")
    controller.acd.transfer(caller, queue="waste")
    wait_until(lambda: controller.acd.router.agent_call(caller) == "jonas", WAIT, "jonas talking to Kari")
    wait_until(lambda: getattr(controller.acd.calls.get(caller), "recording", None), WAIT, "jonas's part recorded")
    sim.channel(caller).sleep(2.0)
    sim.hangup(caller)
    controller.wait_finished(caller, WAIT)

    row = wait_until(lambda: (r := controller.store.call(caller)) and len(r["recordings"]) == 2 and r, WAIT,
                     "both segments kept")
    first, second = row["recordings"]
    assert [(s["queue"], s["agent"], s["citizen_id"]) for s in (first, second)] == [
        ("operator", "ingrid", kari.id), ("waste", "jonas", kari.id)]
    assert first["path"] == second["path"] and Path(first["path"]).is_file()   # appended: one file
    assert first["started_at"] < second["started_at"] and first["duration"] > 0

    config = write_config(tmp_path, controller.config.database.url, recordings_days="30")
    assert json.loads(run_cli(config, "db", "retention", "--json"))["recording_files"] == 0   # not old yet
    later = controller.store.clock() + timedelta(days=31)
    old = open_store(controller.config.database.url, clock=lambda: later)
    report = old.apply_retention(RetentionPolicy(recordings_days=30))
    assert (report.recordings, report.recording_files) == (2, 1)
    assert not Path(first["path"]).exists()
    assert all(s["deleted"] for s in controller.store.call(caller)["recordings"])
    assert controller.store.recordings() == []


def voicemail_controller(sim: SimulatedSwitch, tmp_path: Path, **overrides: object) -> Controller:
    """A controller whose only menu queues for waste, which sends callers to voicemail after 5 s."""
    acd = tmp_path / "acd.yaml"
    acd.write_text((ROOT / "conf" / "acd.yaml").read_text().replace(
        "    max_wait: 420\n    on_max_wait: {action: voicemail", "    max_wait: 5\n    on_max_wait: {action: voicemail"))
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main_menu.yaml").write_text("name: main_menu\ndefault_language: en\nlanguages: [en]\nstart: q\n"
                                          "nodes:\n  q: {kind: queue, queue: waste}\n")
    config = controller_config(sim, tmp_path, **{"acd.file": str(acd), "ivr.flows_dir": str(flows),
                                                 "speech.tts_cache": str(tmp_path / "tts"), **overrides})
    controller = Controller(config, **one_clock(sim, MONDAY_MORNING)).start()
    controller.switch.wait_connected(WAIT)
    return controller


def test_erasing_a_citizen_erases_recordings_voicemails_and_campaign_contacts(sim: SimulatedSwitch,
                                                                              tmp_path) -> None:
    controller = voicemail_controller(sim, tmp_path)
    config = controller.config
    try:
        store = controller.store
        kari = store.add_citizen("Kari Nordmann", ["+4790000402"])
        campaigns = CampaignStore.of(store)
        campaigns.create("water-off", CampaignSettings(message={"en": "Water off tomorrow"}))
        assert campaigns.add_contact("water-off", "+4790000402", contact_name="Kari Nordmann") == "added"
        info = campaigns.get("water-off")
        [claimed] = campaigns.claim_batch(info.id, store.clock(), 5, lambda: "attempt-uuid-1")
        assert claimed.number == "+4790000402"

        caller = sim.place_call("+4790000402", script=CallerScript(hangup_after=900.0))
        assert sim.wait_gone(caller, WAIT)
        controller.wait_finished(caller, WAIT)
        [voicemail] = wait_until(lambda: store.recordings(), WAIT, "the voicemail kept")
        assert (voicemail["kind"], voicemail["caller"], voicemail["citizen_id"]) == ("voicemail", "+4790000402",
                                                                                    kari.id)
        assert Path(voicemail["path"]).is_file() and voicemail["done_at"] is None

        cli_config = write_config(tmp_path, config.database.url)
        out = run_cli(cli_config, "citizens", "erase", str(kari.id), "--yes", "--json")
        report = json.loads(out)
        assert report["recordings"] == 1 and report["files"] >= 1
        assert dict(map(tuple, report["elsewhere"])) == {"campaign attempts": 1, "campaign contacts": 1}
        assert not Path(voicemail["path"]).exists()
        assert store.recordings() == []
        [contact] = campaigns.contact_rows(info.id)
        assert "+4790000402" not in json.dumps(contact, default=str) and "Kari" not in json.dumps(contact, default=str)
        assert all(a["number"] == "" for a in campaigns.attempt_rows(info.id))
    finally:
        controller.stop()


def test_voicemails_are_a_work_list_marked_done_through_the_api_and_the_command_line(sim: SimulatedSwitch,
                                                                                     tmp_path) -> None:
    controller = voicemail_controller(sim, tmp_path, **{"api.tokens": {"tok-staff": "supervisor"},
                                                        "api.port": free_port()})
    try:
        server = controller.api_server   # tokens are configured: start() serves the API
        kari = controller.store.add_citizen("Kari Nordmann", ["+4790000403"])
        controller.store.add_category("pothole", "Pothole")
        reference = controller.store.new_case("pothole", "Bin not emptied", "agent", citizen_id=kari.id).reference
        caller = sim.place_call("+4790000403", script=CallerScript(hangup_after=900.0))
        assert sim.wait_gone(caller, WAIT)
        controller.wait_finished(caller, WAIT)
        api = ApiClient(server.url, "tok-staff")
        [listed] = wait_until(lambda: api.get("/api/v1/recordings", kind="voicemail"), WAIT, "the voicemail listed")
        assert (listed["caller"], listed["case"], listed["done_at"]) == ("+4790000403", reference, None)
        assert api.download(f"/api/v1/recordings/{listed['file']}")[:4] == b"RIFF"   # playable like a recording
        assert api.get("/api/v1/recordings", kind="call") == []

        done = api.post(f"/api/v1/voicemails/{listed['id']}/done", {})
        assert done["done_by"].startswith("supervisor:") and done["done_at"]
        assert api.get("/api/v1/voicemails", open="true") == []
        again = api.post(f"/api/v1/voicemails/{listed['id']}/done", {"done": False})
        assert again["done_at"] is None and [v["id"] for v in api.get("/api/v1/voicemails", open="true")] == [
            listed["id"]]

        env = {"FSAPP_API_URL": server.url, "FSAPP_API_TOKEN": "tok-staff"}
        found = CliRunner().invoke(cli.main, ["recordings", "find", "--voicemail", "--json"], env=env,
                                   catch_exceptions=False)
        assert [row["id"] for row in json.loads(found.stdout)] == [listed["id"]]
        marked = CliRunner().invoke(cli.main, ["recordings", "done", str(listed["id"])], env=env,
                                    catch_exceptions=False)
        assert marked.exit_code == 0 and "done by supervisor:" in marked.stdout
        work = CliRunner().invoke(cli.main, ["recordings", "voicemails", "--open"], env=env, catch_exceptions=False)
        assert "+4790000403" not in work.stdout
    finally:
        controller.stop()
