#!/usr/bin/env bash
# Renders each notebook under notebooks/gonb with its stored outputs the way
# JupyterLab shows it (nbconvert's lab template, light and dark theme) and
# takes a full-page screenshot in headless Chromium:
# docs/notebooks/NAME-light.png and NAME-dark.png.
#
# Needs Debian's jupyter-nbconvert and chromium:
#   apt-get install jupyter-nbconvert chromium
# Refresh the outputs first:
#   go test ./notebooks/gonb -run 'TestNotebooks|TestReadmeBalanceChart' -update
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/notebooks
width=${WIDTH:-1100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
chrome() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --virtual-time-budget=5000 "$@" 2>/dev/null
}
for nb in notebooks/gonb/[0-9]*.ipynb; do
  name=$(basename "$nb" .ipynb)
  for theme in light dark; do
    jupyter-nbconvert --log-level=WARN --to html --template lab --theme "$theme" \
      --output-dir "$tmp" --output "$name-$theme" "$nb"
    page="$tmp/$name-$theme.html"
    # First pass: measure the page's height, reported through its title.
    sed 's#</body>#<script>addEventListener("load",()=>{document.title="height:"+document.documentElement.scrollHeight})</script></body>#' \
      "$page" > "$tmp/measure.html"
    height=$(chrome --window-size="$width,800" --dump-dom "file://$tmp/measure.html" | grep -o '<title>height:[0-9]*' | head -1 | cut -d: -f2)
    [ -n "$height" ] || { echo "$name ($theme): could not measure the page" >&2; exit 1; }
    chrome --window-size="$width,$height" --screenshot="$out/$name-$theme.png" "file://$page"
    echo "$out/$name-$theme.png (${width}x$height)"
  done
done
