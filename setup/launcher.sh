#!/usr/bin/env bash
# `companion` where a person types it: a small launcher in ~/.local/bin that runs this
# checkout's .venv/bin/companion, so `companion app` works in any new terminal. `make demo`
# calls this. A `companion` there that is not ours is left alone, and said so.
#
#   setup/launcher.sh VENV_BIN      (VENV_BIN: the absolute path of .venv/bin)
set -euo pipefail
target="$1/companion"
bin_dir="${COMPANION_LAUNCHER_DIR:-$HOME/.local/bin}"
launcher="$bin_dir/companion"
marker="# companion launcher (setup/launcher.sh)"
if [ -e "$launcher" ] && ! grep -qF "$marker" "$launcher" 2>/dev/null; then
    echo "$launcher is not companion's launcher: left as it is (run $target instead)."
    exit 0
fi
mkdir -p "$bin_dir"
tmp="$(mktemp "$bin_dir/.companion.XXXXXX")"
printf '#!/bin/sh\n%s\nexec "%s" "$@"\n' "$marker" "$target" > "$tmp"
chmod 755 "$tmp"
mv -f "$tmp" "$launcher"
case ":$PATH:" in
    *":$bin_dir:"*) echo "companion is ready: type 'companion app' in any terminal." ;;
    *) echo "companion is in $bin_dir, which is not on your PATH: add it with" \
            "echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.profile, then open a new terminal." ;;
esac
