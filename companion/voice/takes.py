"""A loved one's takes, checked and cleaned before they are kept: each file checked before it
is decoded (a regular file, a sane size, a header a recording can have), decoded only a
little past the longest its words need, then judged (clipped, too quiet, too noisy, far too
long) and cleaned (rumble and DC removed, trimmed to the words, levelled, limited, soft
edges). The files named by number, or by a 'file,number' list. Used by 'voice import' and
'voice record'; the takes kept live in recorded.RecordedVoice.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from companion.dsp.levels import lufs
from companion.errors import BadInput
from companion.textfiles import read_limited
from companion.timefmt import counted
from companion.voice.clips import prepare_clip
from companion.voice.recorded import RecordedVoice

FORMATS = (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".webm")
BY_FFMPEG = (".m4a", ".webm")  # a phone's recorder (AAC) and a browser's (WebM Opus): libsndfile reads neither
HIGH_PASS_HZ = 80.0  # below the voice: rumble, handling noise and DC
TOO_QUIET_LUFS = -45.0
CLIPPED_SHARE = 0.001  # samples at full scale
LEAST_SNR_DB = 15.0
SECONDS_A_WORD = 0.8  # generous: a slow reader with pauses; a take over 3x this is suspect
MAX_TAKE_BYTES = 200 << 20  # a phrase's take, even as uncompressed 24-bit stereo, is a few MB
MIN_TAKE_RATE, MAX_TAKE_RATE, MAX_TAKE_CHANNELS = 8000, 192000, 8  # what recorders and phones make
MAX_MAP_BYTES = 256 << 10


@dataclass(frozen=True)
class TakeProblem:
    number: int
    text: str
    problem: str


def check_recording(path: Path) -> None:
    """A recording is checked before anything is decoded or any voice is made: a regular file
    (a pipe or a device would never end), of a sane size, whose header gives a sample rate and
    channel count a recording can have."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise BadInput(f"cannot read '{path.name}' ({exc.strerror})", field="recordings", value=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"'{path.name}' is not a regular file; give recordings saved on disk", field="recordings")
    if info.st_size > MAX_TAKE_BYTES:
        raise BadInput(
            f"'{path.name}' is {info.st_size >> 20} MB, far larger than one spoken phrase", field="recordings"
        )
    if path.suffix.lower() not in FORMATS:
        raise BadInput(
            f"'{path.name}' is not a recording companion reads; use {', '.join(FORMATS)}", field="recordings"
        )
    if path.suffix.lower() in BY_FFMPEG:
        return  # its own decoder checks it, and stops at the longest a take may be
    try:
        header = sf.info(os.fsencode(path))  # bytes: a name that is not UTF-8 is a name
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise BadInput(
            f"'{path.name}' cannot be read as audio ({exc}); export it again as WAV or MP3", field="recordings"
        ) from None
    if not (MIN_TAKE_RATE <= header.samplerate <= MAX_TAKE_RATE and 1 <= header.channels <= MAX_TAKE_CHANNELS):
        raise BadInput(
            f"'{path.name}' says it has {header.channels} channel(s) at {header.samplerate} Hz, which no "
            "recording of a voice has; export it again as WAV or MP3",
            field="recordings",
        )


def longest_take_s(text: str) -> float:
    """The longest a take of these words may reasonably be."""
    return max(3 * SECONDS_A_WORD * len(text.split()), 4.0)


def decode(path: Path, most_s: float = 60.0) -> tuple[np.ndarray, int, float]:
    """Mono samples of a checked recording (soundfile for WAV, FLAC, Ogg and MP3; ffmpeg for
    M4A and WebM), with its whole length in seconds. Only a little over `most_s` seconds is decoded:
    a ten-hour file is found far too long from its header, not after filling the memory."""
    check_recording(path)
    if path.suffix.lower() in BY_FFMPEG:
        return _decode_with_ffmpeg(path, most_s)
    try:
        with sf.SoundFile(os.fsencode(path)) as f:
            rate, length = f.samplerate, f.frames / f.samplerate
            audio = f.read(frames=int((most_s + 1) * rate), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise BadInput(
            f"'{path.name}' cannot be read as audio ({exc}); export it again as WAV or MP3", field="recordings"
        ) from None
    return audio.mean(axis=1), rate, length


def _decode_with_ffmpeg(path: Path, most_s: float, rate: int = 44100) -> tuple[np.ndarray, int, float]:
    """M4A (AAC), which libsndfile does not read: the ffmpeg that imageio-ffmpeg's wheel
    carries, so no system package is needed; it stops a second past `most_s`."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    limit = f"{most_s + 1:.3f}"
    done = subprocess.run(
        [
            ffmpeg,
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-t",
            limit,
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise BadInput(f"'{path.name}' cannot be read as audio; export it again as WAV or MP3", field="recordings")
    audio = np.frombuffer(done.stdout, dtype="<f4").copy()
    return audio, rate, len(audio) / rate


def high_pass(audio: np.ndarray, rate: int) -> np.ndarray:
    """DC and rumble removed (below the voice), with no phase shift."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(2, HIGH_PASS_HZ, "highpass", fs=rate, output="sos")
    return np.asarray(sosfiltfilt(sos, np.asarray(audio, dtype=np.float64)), dtype=np.float32)


def check_take(raw: np.ndarray, filtered: np.ndarray, rate: int, text: str) -> str | None:
    """What is wrong with a take, if anything, in words a person can act on: clipping is read
    in the raw take, the rest after DC and rumble are gone (they are not noise we keep)."""
    if len(raw) < rate // 10:
        return "it is empty or shorter than a tenth of a second"
    if np.mean(np.abs(raw) >= 0.999) > CLIPPED_SHARE:
        return "it is clipped (too loud when recorded): record it further from the microphone"
    loudness = lufs(filtered, rate)
    if not np.isfinite(loudness) or loudness < TOO_QUIET_LUFS:
        return "it is too quiet: record it closer to the microphone"
    hop = max(rate // 20, 1)
    frames = filtered[: len(filtered) // hop * hop].reshape(-1, hop)
    levels = 20 * np.log10(np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-9)
    # the loudest words against the quietest moments: the background's level
    if len(levels) >= 10 and np.percentile(levels, 95) - np.percentile(levels, 10) < LEAST_SNR_DB:
        return "it is too noisy (the voice hardly stands above the background): record it somewhere quieter"
    return None


def trim_to_the_words(audio: np.ndarray, rate: int) -> np.ndarray:
    """Cut the quiet air before the first word and after the last, judged against the take's
    own background (10 ms frames 10 dB over its quietest tenth), keeping a little either side."""
    hop = max(rate // 100, 1)
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop).astype(np.float64)
    if len(frames) < 10:
        return audio
    levels = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-9)
    threshold = max(levels.max() - 40, np.percentile(levels, 10) + 10)
    words = np.nonzero(levels > threshold)[0]
    start = max(words[0] * hop - int(0.05 * rate), 0)
    stop = min((words[-1] + 1) * hop + int(0.12 * rate), len(audio))
    return audio[start:stop]


def import_takes(
    voice: RecordedVoice, files: dict[int, Path], phrases: Sequence[str], sample_rate: int
) -> tuple[int, list[TakeProblem]]:
    """Check, clean and keep each numbered file as its phrase's take; the problems, by phrase.
    Cleaning: rumble and DC removed, trimmed to the words, levelled, limited, soft edges."""
    kept, problems = 0, []
    for number, path in sorted(files.items()):
        if not 1 <= number <= len(phrases):
            raise BadInput(
                f"'{path.name}' is for phrase {number}, but the script has {counted(len(phrases), 'phrase')}",
                field="recordings",
            )
        text = phrases[number - 1]
        raw, rate, length = decode(path, longest_take_s(text))
        if length > longest_take_s(text):
            problems.append(TakeProblem(number, text, far_too_long(length)))
            continue
        cleaned, problem = take_for(raw, rate, text, sample_rate)
        if cleaned is not None:
            voice.keep(text, cleaned, sample_rate)
            kept += 1
        else:
            problems.append(TakeProblem(number, text, problem or ""))
    return kept, problems


def far_too_long(length_s: float) -> str:
    return f"it lasts {length_s:.0f} s, far longer than its words need: trim it or record it again"


def take_for(raw: np.ndarray, rate: int, text: str, sample_rate: int) -> tuple[np.ndarray | None, str | None]:
    """A raw take checked and cleaned: (the take to keep, None) or (None, what is wrong)."""
    if len(raw) / rate > longest_take_s(text):
        return None, far_too_long(len(raw) / rate)
    filtered = high_pass(raw, rate)
    problem = check_take(raw, filtered, rate, text)
    if problem is not None:
        return None, problem
    return prepare_clip(trim_to_the_words(np.clip(filtered, -1, 1), rate), rate, sample_rate), None


def numbered_files(folder: Path, mapping: Path | None = None) -> dict[int, Path]:
    """Phrase number -> file: files named by number (001.m4a), or a CSV of 'file,number'."""
    try:
        names = sorted(os.listdir(folder))
    except (OSError, ValueError):  # not a folder, missing, a name too long, a NUL
        raise BadInput(f"'{folder}' is not a folder of recordings", field="folder", value=str(folder)) from None
    found: dict[int, Path] = {}
    if mapping is not None:
        found = _read_map(folder, mapping)
        missing = [p.name for p in found.values() if not p.is_file()]
        if missing:
            raise BadInput(
                f"'{mapping.name}' names files that are not in the folder: {', '.join(missing[:3])}", field="mapping"
            )
        for path in found.values():
            check_recording(path)
        return found
    for path in (folder / name for name in names):
        if path.suffix.lower() in FORMATS and path.stem.isascii() and path.stem.isdigit() and len(path.stem) < 10:
            found[int(path.stem)] = path
    if not found:
        raise BadInput(
            f"no recordings named by phrase number (001.m4a, 002.mp3...) in '{folder}'",
            field="folder",
            value=str(folder),
        )
    for path in found.values():
        check_recording(path)
    return found


def _read_map(folder: Path, mapping: Path) -> dict[int, Path]:
    """The 'file,number' CSV, each problem in one line: missing, a folder, not text, a field
    longer than a file name, a number that is not one, a file outside the folder."""
    import csv

    data = read_limited(mapping, "phrase list", MAX_MAP_BYTES, field="mapping")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if not text or "\x00" in text:
        raise BadInput(f"'{mapping.name}' is not a text list of 'file,number' lines", field="mapping")
    found: dict[int, Path] = {}
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error:
        raise BadInput(
            f"'{mapping.name}' is not a list of 'file,number' lines (a field is far too long)", field="mapping"
        ) from None
    for line, row in enumerate(rows, start=1):
        if len(row) != 2 or row[0].strip().lower() == "file":
            continue
        name, number_text = row[0].strip(), row[1].strip()
        if len(name) > 255 or len(number_text) > 9:
            raise BadInput(
                f"'{mapping.name}', line {line}: a field is too long to be a file name or a number", field="mapping"
            )
        if not (number_text.isascii() and number_text.isdigit()):
            raise BadInput(f"'{mapping.name}', line {line}: '{number_text}' is not a phrase number", field="mapping")
        if Path(name).name != name or name in ("", ".", ".."):
            raise BadInput(f"'{mapping.name}', line {line}: '{name}' is not a file name in the folder", field="mapping")
        found[int(number_text)] = folder / name
    return found
