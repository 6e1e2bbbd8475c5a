"""Phone menus written in YAML (ivr_scripts/*.yaml): loading and checking them (loader, validate),
walking them (interpreter, a pure generator of actions), running them on a call (runner), serving the
last good version of each (registry), and trying them in text (simulate)."""
