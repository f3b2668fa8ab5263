"""The browser app (`companion app`): the second front end, as thin as the command line. The
server and its routes (server), the guard every request passes (guard), the pages that make
sessions (sessions), the Massage page and its live track (massage), the Journal page
(journal), the Pack page (pack), the Voices page (voices), the home network's pairing,
devices and name (pairing, devices, announce), a session's sound served as it is made
(stream), long work in worker threads (jobs), what the pages share (web) and the one
error path every page ends in (faults), with the templates and static files beside them;
the player is the pack's own.

May import: pack (its templates, static files and page words), live, session, journal, plan, voice, output,
and the leaves. Nothing here holds a rule: the caregiver's confirmation, the check-in's
choice and every check of an answer are the library's.
"""
