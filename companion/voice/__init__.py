"""Voice: narrators, anything that gives a phrase's length and samples (narrator.Narrator).

Holds the bundled Piper voice and any added .onnx voice (piper_voice), a loved one's
recorded takes and their import (recorded), recording from a microphone (recorder), the
clip preparation they share (clips: levelling, edges, limiting) and the pronunciation
fix-ups (pronounce).

May import: dsp (to level and edge clips), plan (a script's phrases) and the leaves; not
sound, which mixes the clips this room makes.
"""
