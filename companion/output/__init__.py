"""Output: where blocks go. Files (sinks: WAV, FLAC, Ogg, Opus, MP3, written whole or not at
all), their tags and chapters (tags), their words as timed text (captions), the sound card
through PortAudio (devices) and what a live output is handed and reports (stream: blocks, Status, the Output protocol).

May import: plan (a plan's sections become chapters), sound and the leaves.
"""
