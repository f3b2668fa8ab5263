"""Narration voices: neural TTS (Piper) and the content-addressed clip cache."""
