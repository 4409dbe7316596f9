#!/usr/bin/env bash
# Starts Lantern's kiosk (/kiosk) full screen in Chromium with WebGPU on Linux and on an NVIDIA Jetson,
# serving the built app locally with its COOP/COEP headers; --print shows the commands, --install-service
# writes a systemd user unit that starts it at login and restarts it if it dies. See README "Kiosk on a Jetson".
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/kiosk.sh [options]

  --url URL          open this Lantern instead of serving the local build (e.g. https://host/)
  --port N           port of the local server (default 4173)
  --dist DIR         built app to serve (default: dist/ of this checkout; `npm run build` makes it)
  --query Q          kiosk parameters, e.g. "cycle=20&panels=loss,queue"
  --profile DIR      Chromium profile (default ~/.config/lantern-kiosk)
  --print            print the commands instead of running them
  --install-service  write (and enable) a systemd user unit that runs this at login and restarts it
  -h, --help         this help

Environment: CHROMIUM (the browser binary), TEGRA_RELEASE_FILE (default /etc/nv_tegra_release).
Exit the kiosk with Alt+F4 (or Ctrl+Shift+Q twice), or `systemctl --user stop lantern-kiosk`.
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
url=""
port=4173
dist="$repo/dist"
query=""
profile="${XDG_CONFIG_HOME:-$HOME/.config}/lantern-kiosk"
print=0
install_service=0
passthrough=()

while (($#)); do
  case "$1" in
    --url) url="${2:?--url needs a value}"; passthrough+=("$1" "$2"); shift 2 ;;
    --port) port="${2:?--port needs a value}"; passthrough+=("$1" "$2"); shift 2 ;;
    --dist) dist="${2:?--dist needs a value}"; passthrough+=("$1" "$2"); shift 2 ;;
    --query) query="${2:?--query needs a value}"; passthrough+=("$1" "$2"); shift 2 ;;
    --profile) profile="${2:?--profile needs a value}"; passthrough+=("$1" "$2"); shift 2 ;;
    --print) print=1; shift ;;
    --install-service) install_service=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "kiosk.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "kiosk.sh: --port must be a number from 1 to 65535, got '$port'" >&2
  exit 2
fi

# 1. The browser: $CHROMIUM, or the first Chromium-family binary on PATH.
browser="${CHROMIUM:-}"
if [[ -z "$browser" ]]; then
  for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$candidate" >/dev/null 2>&1; then browser="$(command -v "$candidate")"; break; fi
  done
fi
if [[ -z "$browser" ]]; then
  echo "kiosk.sh: no Chromium found; install it (Jetson/Ubuntu: 'sudo apt-get install chromium-browser' or the snap) or set CHROMIUM=/path/to/chromium" >&2
  exit 1
fi

# 2. WebGPU flags. Chromium honours only the last --enable-features, so every feature goes in one list.
tegra="${TEGRA_RELEASE_FILE:-/etc/nv_tegra_release}"
features="Vulkan"
gpu_flags=(--enable-unsafe-webgpu --ozone-platform=x11)
if [[ -f "$tegra" ]]; then
  # A Jetson (L4T): Vulkan through NVIDIA's driver, ANGLE on Vulkan, and past the GPU blocklist.
  features="Vulkan,VulkanFromANGLE,DefaultANGLEVulkan"
  gpu_flags+=(--use-angle=vulkan --use-vulkan=native --ignore-gpu-blocklist --enable-gpu-rasterization)
  l4t="$(sed -n -e 's/^# R\([0-9]*\) (release), REVISION: \([0-9.]*\).*/L4T R\1.\2/p' "$tegra")"
  platform="Jetson (${l4t:-$(head -n 1 "$tegra")})"
else
  platform="Linux"
fi
gpu_flags+=("--enable-features=$features")

# 3. The address: the local build served with COOP/COEP by `vite preview`, or --url.
if [[ -n "$url" ]]; then
  base="${url%/}"
  serve=()
else
  base="http://127.0.0.1:$port"
  serve=(npx vite preview --port "$port" --strictPort --host 127.0.0.1 --outDir "$dist")
fi
app="$base/kiosk${query:+?$query}"

chrome=("$browser" --kiosk "--app=$app" "--user-data-dir=$profile" --no-first-run --noerrdialogs --disable-infobars
  --disable-session-crashed-bubble --disable-features=Translate --check-for-update-interval=31536000 "${gpu_flags[@]}")

if ((install_service)); then
  unit_dir="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
  unit="[Unit]
Description=Lantern kiosk (Chromium full screen at /kiosk)
After=graphical-session.target
PartOf=graphical-session.target

[Service]
Type=simple
Environment=DISPLAY=${DISPLAY:-:0}
WorkingDirectory=$repo
ExecStart=$(printf '%q ' "$here/kiosk.sh" "${passthrough[@]}")
Restart=always
RestartSec=5

[Install]
WantedBy=graphical-session.target"
  if ((print)); then
    echo "# $unit_dir/lantern-kiosk.service"
    echo "$unit"
    exit 0
  fi
  mkdir -p "$unit_dir"
  echo "$unit" >"$unit_dir/lantern-kiosk.service"
  echo "Wrote $unit_dir/lantern-kiosk.service"
  if command -v systemctl >/dev/null 2>&1; then
    systemctl --user daemon-reload
    systemctl --user enable lantern-kiosk.service
    echo "Enabled: it starts at your next login. Start now: systemctl --user start lantern-kiosk"
  else
    echo "No systemctl here: enable it with 'systemctl --user enable --now lantern-kiosk' where systemd runs."
  fi
  exit 0
fi

if ((print)); then
  echo "# $platform"
  if ((${#serve[@]})); then printf '%q ' "${serve[@]}"; echo '&'; fi
  printf '%q ' "${chrome[@]}"
  echo
  exit 0
fi

# 4. Serve (when local), wait until it answers, run the browser; the server stops with it.
if ((${#serve[@]})); then
  if [[ ! -f "$dist/index.html" ]]; then
    echo "kiosk.sh: no build in $dist; run 'npm run build' first (or pass --dist or --url)" >&2
    exit 1
  fi
  cd "$repo"
  "${serve[@]}" &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do
    if curl -fsS -o /dev/null "$base/"; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
      echo "kiosk.sh: the local server stopped; is port $port in use?" >&2
      exit 1
    fi
    sleep 0.5
  done
fi
echo "Lantern kiosk on $platform: $app"
"${chrome[@]}"
