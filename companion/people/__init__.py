"""Many listeners on one companion (issue 33): the people store (a stable id and a shown
name each, one of them the default), each person's own owner-only folder holding their
comfort journal, recorded voices, preferences and saved massage plans, the one-time move of
an older install's files into its first person, and forgetting one person. A person is a
folder: the journal's schema stays in journal/ and the voices' format in voice/ (both find
the default person's files through here), and one person's record as a .zip is
journal/record.py. It imports plan/ and the modules below it."""
