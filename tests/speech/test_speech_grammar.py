from __future__ import annotations

from fsapp.speech.grammar import Grammar, normalize, words_to_digits


def test_normalize_and_match() -> None:
    grammar = Grammar.of(["Building and Planning", "parking", "roads and parking"], "en")
    assert normalize("  Roads, and PARKING! ") == "roads and parking"
    assert grammar.match("roads and parking") == "roads and parking"
    assert grammar.match("uh roads and parking please") == "roads and parking"
    assert grammar.match("swimming pool") is None


def test_spoken_digits() -> None:
    assert words_to_digits("two four zero one", "en") == "2401"
    assert words_to_digits("to fire null", "nb") == "240"
    assert words_to_digits("two banana", "en") is None
    grammar = Grammar.of([], "en", digits=True)
    assert grammar.match("one two three") == "123"


def test_jsgf_and_vosk_forms() -> None:
    grammar = Grammar.of(["health and care", "operator"], "en", digits=True)
    jsgf = grammar.jsgf()
    assert "public <choice> = health and care | operator | <digit>+ ;" in jsgf
    assert "<digit> = zero | one | two" in jsgf
    assert grammar.vosk_phrases()[:2] == ["health and care", "operator"]
    assert grammar.vosk_phrases()[-1] == "[unk]"
