# Shared by bin/wordpiece and bin/test (sourced, not run): compiles core's main sources with
# javac into out/main when any source or resource is newer than the last build. Gradle users
# never need this; it is what lets a fresh clone with only a JDK run the tools and tests.

CORE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$CORE_DIR/out"
MAIN_CLASSES="$OUT_DIR/main"
MAIN_STAMP="$OUT_DIR/main.stamp"

require_jdk() {
  if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    echo "$1: error: javac/java not found; install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)" >&2
    exit 2
  fi
}

# build_main: (re)compile src/main into out/main; a lock keeps concurrent callers apart.
build_main() {
  mkdir -p "$OUT_DIR"
  exec 9>"$OUT_DIR/.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [[ ! -f "$MAIN_STAMP" ]] || [[ -n "$(find "$CORE_DIR/src/main" -newer "$MAIN_STAMP" -type f -print -quit)" ]]; then
    local tmp="$OUT_DIR/main.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    find "$CORE_DIR/src/main/java" -name '*.java' > "$tmp.sources"
    if ! javac --release 17 -encoding UTF-8 -Xlint:all -Werror -d "$tmp" "@$tmp.sources" >&2; then
      rm -rf "$tmp" "$tmp.sources"
      exec 9>&-
      return 1
    fi
    cp -R "$CORE_DIR/src/main/resources/." "$tmp/"
    rm -rf "$MAIN_CLASSES" "$tmp.sources"
    mv "$tmp" "$MAIN_CLASSES"
    touch "$MAIN_STAMP"
  fi
  exec 9>&-
}
