# Sourced by the scripts that pack a bundle for the GPU machine (bench/cuda/pack-*.sh,
# bench/rocm-dcu/pack-for-device.sh, bench/cuda/family-logits-check.sh): the machine has no npm, so a
# bundle carries the runtime packages (npm ls --omit=dev) itself.
#
# stage_node_modules DIR [PACKAGE...]: copies them into DIR/node_modules, run from the project root,
# without type packages and without koffi's docs and C++ sources (its prebuilt binaries and its
# JavaScript under src/koffi/, which index.js loads, stay); each
# PACKAGE (a name, or a name ending in * for a prefix) is left out too, to keep a bundle small.
stage_node_modules() {
  local staging=$1
  shift
  local skip='^@types/\|^undici-types$'
  local p
  for p in "$@"; do
    case "$p" in
      *\*) skip="$skip\\|^${p%\*}" ;;
      *) skip="$skip\\|^$p\$" ;;
    esac
  done
  mkdir -p "$staging/node_modules"
  for p in $(npm ls --omit=dev --parseable --all 2>/dev/null | sed 1d | sed "s#$PWD/node_modules/##" | grep -v "$skip"); do
    mkdir -p "$staging/node_modules/$(dirname "$p")"
    cp -r "node_modules/$p" "$staging/node_modules/$p"
  done
  rm -rf "$staging/node_modules/koffi/"{doc,vendor}
  [ -d "$staging/node_modules/koffi/src" ] && find "$staging/node_modules/koffi/src" -type f ! -name '*.js' ! -name '*.cjs' -delete
  return 0
}
