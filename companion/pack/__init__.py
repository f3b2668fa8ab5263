"""A home listening pack: a folder of tagged tracks with a playlist, a large-print page and
a printable PDF. The data (model), the choice of tracks and the run (make), the renders in
worker processes (render) and the page, playlist and PDF (page, with its templates and
static files beside it).

May import: session, output, journal (the cover), voice, plan and the leaves; make imports
render and page, and both of those import only model; unrecorded only model.
"""
