"""Spoken texts outside the menus (queue announcements, the relay), per language, editable in YAML."""

from fsapp.texts.catalog import Texts, TextsError, load_texts, shipped_texts

__all__ = ["Texts", "TextsError", "load_texts", "shipped_texts"]
