"""Speech for the IVR: text-to-speech with a cache of telephone-ready WAV files, and recognition of
what a caller says against a grammar of the menu's phrases."""
