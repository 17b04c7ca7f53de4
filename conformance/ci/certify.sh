#!/usr/bin/env bash
# Certify one backend with the conformance suite: the one entry point every CI template calls
# (.ci/run, .github/workflows/conformance.yml, conformance/ci/gitlab-ci.yml, a plugin's workflow).
#
#   conformance/ci/certify.sh BACKEND [--baseline FILE] [--out DIR] [--label NAME]
#                             [--expected-failures FILE] [-- EXTRA glm conformance OPTIONS]
#
# BACKEND is what `glm conformance --backend` takes: a built-in name, a plugin path or package.
# Runs the suite with the backend's expected-failure list (backends/BACKEND/conformance.yaml, or the
# conformance.yaml beside a plugin; --expected-failures names another) and, with --baseline, compares
# case by case with that committed report. Writes into DIR (default ./conformance-results):
#   conformance-LABEL.json  .xml (JUnit)  .md (summary)  certify-LABEL.txt (the console output,
#   with the regression table when there is a baseline).
# The exit code is the gate's: 0 all good; 1 failures, unexpected passes or regressions against the
# baseline; 2 usage; 3–7 and 70 as `glm` documents (bad input, backend, resources, internal bug).
#
# Installs nothing and reaches no network: it needs Node.js >= 20 and a built glm-sdk (npm install,
# plus the backend's own build step, e.g. npm run build:ascend-emu). GLM_CLI overrides the command
# that runs glm (default: this package's bin/glm.js, else `glm` on PATH). Variants of one backend
# are chosen by the backend's own environment variables (GLM_ASCEND_EMU_SOC, GLM_SUNWAY_CHIP):
# give each a --label so their files do not overwrite each other.
set -euo pipefail

usage() {
  echo "usage: certify.sh BACKEND [--baseline FILE] [--out DIR] [--label NAME] [--expected-failures FILE] [-- glm conformance options]" >&2
  exit 2
}
fail() {
  echo "certify.sh: $1" >&2
  exit "${2:-2}"
}

[ $# -ge 1 ] || usage
case "$1" in -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; -*) usage ;; esac
backend=$1
shift
baseline='' out='conformance-results' label='' expected=''
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) [ $# -ge 2 ] || usage; baseline=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --label) [ $# -ge 2 ] || usage; label=$2; shift 2 ;;
    --expected-failures) [ $# -ge 2 ] || usage; expected=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "certify.sh: unknown option $1" >&2; usage ;;
  esac
done

# Cheap checks first: the files named must exist before any backend is opened.
[ -z "$baseline" ] || [ -f "$baseline" ] || fail "the baseline $baseline does not exist" 3
[ -z "$expected" ] || [ -f "$expected" ] || fail "the expected-failure list $expected does not exist" 3
command -v node >/dev/null || fail "Node.js is not on PATH (Node.js >= 20 is needed; this script installs nothing)" 2
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "Node.js $(node --version) is too old (>= 20 is needed)" 2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -n "${GLM_CLI:-}" ]; then
  read -r -a glm <<<"$GLM_CLI"
elif [ -f "$root/bin/glm.js" ] && [ -f "$root/dist/cli/main.js" ]; then
  glm=(node "$root/bin/glm.js")
elif command -v glm >/dev/null; then
  glm=(glm)
else
  fail "glm-sdk is not built ($root/dist/cli/main.js is missing): run npm install (or npx tsc -p tsconfig.json) first" 2
fi

# The label names the output files: the backend's base name unless given.
if [ -z "$label" ]; then
  label=$(basename "$backend")
  label=${label%.js}
fi
label=$(printf '%s' "$label" | tr -c 'A-Za-z0-9._-' '-')

# The expected-failure list: as given, else the built-in backend's entry (glm finds a plugin's own).
if [ -z "$expected" ] && [ -f "$root/backends/$backend/conformance.yaml" ]; then
  expected="$root/backends/$backend/conformance.yaml"
fi

mkdir -p "$out"
# This run's files replace an earlier run's (glm refuses to overwrite a report it did not just write).
rm -f "$out/conformance-$label.json" "$out/conformance-$label.xml" "$out/conformance-$label.md" "$out/certify-$label.txt"
args=(conformance --backend "$backend"
  --report "$out/conformance-$label.json"
  --junit "$out/conformance-$label.xml"
  --markdown "$out/conformance-$label.md")
[ -z "$expected" ] || args+=(--expected-failures "$expected")
[ -z "$baseline" ] || args+=(--baseline "$baseline")
args+=(${extra[@]+"${extra[@]}"})

echo "certify.sh: ${glm[*]} ${args[*]}" >&2
set +e
"${glm[@]}" "${args[@]}" | tee "$out/certify-$label.txt"
code=${PIPESTATUS[0]}
set -e
case "$code" in
  0) echo "certify.sh: $label certified (results in $out/)" >&2 ;;
  1) echo "certify.sh: $label FAILED the gate: failing cases or regressions against ${baseline:-no baseline} (see $out/certify-$label.txt)" >&2 ;;
  *) echo "certify.sh: $label could not be certified: glm exited $code" >&2 ;;
esac
exit "$code"
