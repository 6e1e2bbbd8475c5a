"""fsapp: a citizen contact center for municipalities, built on FreeSWITCH."""

__version__ = "0.1.0"
