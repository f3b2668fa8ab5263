#!/usr/bin/env bash
# The system packages companion needs, installed when root or sudo allows it; otherwise one
# line saying what to run. `make demo` and `make test` (and so .ci/run) call this.
#
#   setup/system-packages.sh        what companion needs: PortAudio, to play sound
#   setup/system-packages.sh test   and what the tests use: ffmpeg (a second loudness meter, and
#                                   ffprobe to read tags and chapters back), strace (to prove no
#                                   network socket is ever opened), and chromium with its driver
#                                   (to open a home pack's page in a real headless browser), and
#                                   each format's own validator (mp3val, ogginfo, opusinfo, flac),
#                                   and a real spreadsheet (gnumeric's ssconvert) that opens an export,
#                                   pdftoppm (the care-team report as images), npm (axe-core,
#                                   the accessibility checker the app's browser tests run), and
#                                   desktop-file-validate (the app's desktop shortcut)
#   setup/system-packages.sh bench  and sox, which the benchmarks compare against, and chromium
#                                   with its driver (the app's benchmark)
set -euo pipefail
need=()
python3 -c "import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library('portaudio') else 1)" \
    || need+=(libportaudio2)
if [ "${1:-}" = test ]; then
    command -v ffmpeg >/dev/null || need+=(ffmpeg)
    command -v strace >/dev/null || need+=(strace)
    command -v chromium >/dev/null || need+=(chromium)
    command -v chromedriver >/dev/null || need+=(chromium-driver)
    command -v mp3val >/dev/null || need+=(mp3val)
    command -v ogginfo >/dev/null || need+=(vorbis-tools)
    command -v opusinfo >/dev/null || need+=(opus-tools)
    command -v flac >/dev/null || need+=(flac)
    command -v ssconvert >/dev/null || need+=(gnumeric)
    command -v pdftoppm >/dev/null || need+=(poppler-utils)
    command -v npm >/dev/null || need+=(npm)
    command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
fi
if [ "${1:-}" = bench ]; then
    command -v sox >/dev/null || need+=(sox)
    command -v chromium >/dev/null || need+=(chromium)
    command -v chromedriver >/dev/null || need+=(chromium-driver)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        as_root=(sudo)
    else
        echo "companion needs ${need[*]}: run 'sudo apt-get install -y ${need[*]}', then this again." >&2
        exit 1
    fi
    echo "Installing ${need[*]} ..."
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
else
    echo "companion needs ${need[*]} (Debian names): install them with your system's package manager, then this again." >&2
    exit 1
fi
