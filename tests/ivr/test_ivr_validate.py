from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import main
from fsapp.ivr.validate import validate_file

REPO = Path(__file__).resolve().parents[2]


def _messages(path) -> list[str]:
    return [e.located() for e in validate_file(path)[1]]


def test_unknown_reference_and_unreachable_node(write_flow) -> None:
    path = write_flow("""
        default_language: en
        start: hello
        nodes:
          hello:
            kind: say
            prompt: {en: Hi}
            next: mnu
          orphan:
            kind: hangup
    """)
    messages = _messages(path)
    assert f"{path}:7: nodes.hello.next: unknown node 'mnu'" in messages
    assert f"{path}:8: nodes.orphan: unreachable node (nothing leads here)" in messages


def test_loop_without_a_way_out_and_loop_with_one(write_flow) -> None:
    path = write_flow("""
        default_language: en
        start: a
        nodes:
          a: {kind: say, prompt: {en: A}, next: b}
          b: {kind: goto, next: a}
    """)
    assert _messages(path) == [f"{path}:4: nodes.a: loop without a way out: a -> b -> a"]
    fine = write_flow("""
        default_language: en
        start: menu
        nodes:
          menu:
            kind: menu
            prompt: {en: Press 1 to hear this again}
            options: [{key: "1", next: again}]
          again: {kind: goto, next: menu}
    """, "fine.yaml")
    assert _messages(fine) == []


def test_missing_prompt_for_declared_language(write_flow) -> None:
    path = write_flow("""
        default_language: nb
        languages: [nb, en]
        start: hi
        nodes:
          hi:
            kind: say
            prompt: {nb: Hei, de: Hallo}
    """)
    messages = _messages(path)
    assert f"{path}:7: nodes.hi.prompt: no 'en' prompt (the flow declares nb, en)" in messages
    assert f"{path}:7: nodes.hi.prompt.de: language 'de' is not declared in languages" in messages


def test_missing_hook_module_and_function(write_flow, tmp_path) -> None:
    (tmp_path / "helpers.py").write_text("def exists(ctx):\n    return 1\n")
    path = write_flow("""
        default_language: en
        start: a
        nodes:
          a: {kind: hook, call: helpers.exists, next: b}
          b: {kind: hook, call: helpers.missing, next: c}
          c: {kind: branch, hook: nowhere.thing, cases: {"1": a}}
    """)
    messages = _messages(path)
    assert len(messages) == 2
    assert messages[0].startswith(f"{path}:5: nodes.b.call: hook 'helpers.missing' not found")
    assert messages[1].startswith(f"{path}:6: nodes.c.hook: hook 'nowhere.thing' not found: no hook module")


def test_cli_validate_prints_one_line_per_error_and_exits_1(write_flow) -> None:
    bad = write_flow("""
        default_language: en
        start: a
        nodes:
          a: {kind: say, prompt: {en: A}, next: nowhere}
    """)
    result = CliRunner().invoke(main, ["ivr", "validate", str(bad), str(REPO / "ivr_scripts" / "main_menu.yaml")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"{bad}:4: nodes.a.next: unknown node 'nowhere'"]


def test_cli_validate_accepts_the_shipped_example() -> None:
    result = CliRunner().invoke(main, ["ivr", "validate", str(REPO / "ivr_scripts" / "main_menu.yaml")])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_validate_names_queues_and_skills_the_acd_file_does_not_have(tmp_path) -> None:
    from cli import main

    broken = tmp_path / "main_menu.yaml"
    broken.write_text((REPO / "ivr_scripts" / "main_menu.yaml").read_text().replace("queue: taxes", "queue: taxxes"))
    config = ["--config", str(REPO / "conf" / "fsapp.yaml")]
    result = CliRunner().invoke(main, [*config, "ivr", "validate", str(broken), "--hooks-dir",
                                       str(REPO / "ivr_scripts")])
    assert result.exit_code == 1
    assert f"{broken}:" in result.output and "nodes.q_taxes: queue 'taxxes' not in " in result.output
    fine = CliRunner().invoke(main, [*config, "ivr", "validate", str(REPO / "ivr_scripts" / "main_menu.yaml")])
    assert fine.exit_code == 0, fine.output
