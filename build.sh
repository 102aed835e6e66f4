#!/usr/bin/env bash
# Runs the pipeline: ./build.sh <Target> [--parameter value]...   (./build.sh --help lists them)
# Uses the installed dotnet when it satisfies global.json, otherwise installs that SDK under .dotnet/.
# A warm start (build sources unchanged) runs the compiled pipeline directly, without compiling.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT="$ROOT/build/Pipeline.Build/Pipeline.Build.csproj"
OUTPUT="$ROOT/artifacts/build-bin"
STAMP="$OUTPUT/.built-from-sources"
LOCAL_SDK="$ROOT/.dotnet"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Prints a build input newer than the last compile, if any. Only the pipeline's own projects count.
changed_input() {
  [[ -f "$STAMP" ]] || { echo "(first build)"; return; }
  find "$ROOT/build/Pipeline.Build" "$ROOT/build/Pipeline.Manifests" \
       \( -name bin -o -name obj \) -prune -o \
       -type f \( -name '*.cs' -o -name '*.csproj' \) -newer "$STAMP" -print -quit
  find "$ROOT/global.json" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" -newer "$STAMP" -print -quit
}

if [[ -z "$(changed_input)" && -f "$OUTPUT/Pipeline.Build.dll" ]]; then
  DOTNET="$(command -v dotnet || true)"
  [[ -x "$LOCAL_SDK/dotnet" ]] && DOTNET="$LOCAL_SDK/dotnet"
  exec "$DOTNET" "$OUTPUT/Pipeline.Build.dll" "$@"
fi

# --- cold path: make sure an SDK that satisfies global.json is there, then compile ---
sdk_satisfies_global_json() { (cd "$ROOT" && "$1" --version >/dev/null 2>&1); }

DOTNET=""
if [[ -x "$LOCAL_SDK/dotnet" ]] && sdk_satisfies_global_json "$LOCAL_SDK/dotnet"; then
  DOTNET="$LOCAL_SDK/dotnet"
elif command -v dotnet >/dev/null 2>&1 && sdk_satisfies_global_json dotnet; then
  DOTNET="$(command -v dotnet)"
else
  echo "No .NET SDK matching global.json is installed; installing it into .dotnet/ (once)."
  mkdir -p "$LOCAL_SDK"
  INSTALLER="$LOCAL_SDK/dotnet-install.sh"
  if [[ ! -f "$INSTALLER" ]]; then
    curl -fsSL https://dot.net/v1/dotnet-install.sh -o "$INSTALLER" || {
      echo "error: could not download dotnet-install.sh. Install the .NET SDK named in global.json yourself and retry." >&2
      exit 1
    }
  fi
  bash "$INSTALLER" --jsonfile "$ROOT/global.json" --install-dir "$LOCAL_SDK" --no-path
  DOTNET="$LOCAL_SDK/dotnet"
  export DOTNET_ROOT="$LOCAL_SDK"
fi

mkdir -p "$OUTPUT"
(
  # Two builds started at once must not compile into the same folder together.
  flock 9
  if [[ -n "$(changed_input)" || ! -f "$OUTPUT/Pipeline.Build.dll" ]]; then
    echo "Compiling the pipeline..." >&2
    touch "$STAMP.next"
    if ! "$DOTNET" build "$PROJECT" -c Release -o "$OUTPUT" -nologo -v quiet -clp:ErrorsOnly >"$OUTPUT/compile.log" 2>&1; then
      cat "$OUTPUT/compile.log" >&2
      echo "error: the pipeline does not compile (full log: artifacts/build-bin/compile.log)." >&2
      exit 1
    fi
    # The stamp takes the time the compile started, so an edit made during it is seen next time.
    mv "$STAMP.next" "$STAMP"
  fi
) 9>"$OUTPUT/.compile.lock"

exec "$DOTNET" "$OUTPUT/Pipeline.Build.dll" "$@"
