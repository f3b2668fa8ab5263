"""companion: calm, offline guided-relaxation audio for people with a life-limiting illness."""

__version__ = "0.1.0"
