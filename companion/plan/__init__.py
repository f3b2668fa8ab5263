"""Plan: options -> a SessionPlan, pure data (what happens when, to the sample).

Holds the energy profiles (profile), the script format (scripts) and the catalogue of
built-in scripts (catalogue), the breath schedule (breathing), a mode's cues (cues), the
layout solver that places every phrase (layout), five more minutes (extend), the plan's
data types (model) and today's check-in table (checkin). It makes no sound and reads no
clip: a narrator is asked only for phrase lengths.

May import: the leaves at the top of the package (errors, options, modes, safety, paths,
textfiles, timefmt). Nothing from sound, voice, output or above.
"""
