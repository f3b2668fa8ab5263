"""The command line: click commands that turn flags into calls of the library and its
errors into one line each. Holds every command (main, play, journal, pack, voice), the
session flags (options), and the terminal's parts: the live view (view), keys (keys),
one-key questions (asking) and progress bars (progress). The only room that knows a flag.

May import: anything in the package below it; nothing imports it but companion/__main__.
"""
