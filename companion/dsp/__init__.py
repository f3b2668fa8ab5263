"""Signal helpers below both the voice and the sound: how loud a clip is (integrated
loudness, decibels to gain) and the shapes of every fade and gain change (the raised cosine,
the triangle smoothing). Used by voice/ to level and edge its clips and by sound/ to mix.

May import: numpy, pyloudnorm, and no room of companion's (it is the floor they stand on).
"""
