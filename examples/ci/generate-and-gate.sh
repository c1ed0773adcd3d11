#!/usr/bin/env bash
# Generate code and tests with ptc, run the tests, and fail the CI job unless they pass.
#
#   examples/ci/generate-and-gate.sh "<prompt>" [out-dir]
#
# Configuration is ptc's own: an rc file in the repository (.ptcrc.json / .ptcrc.yaml), PTC_PROVIDER /
# PTC_MODEL / PTC_SANDBOX, and the provider's key as a CI secret (MOONSHOT_API_KEY, ANTHROPIC_API_KEY, ...).
# PTC names the command (default "ptc"; e.g. "npx ptc" or "node bin/ptc.js").
# PTC_GENERATE_ARGS adds flags to the generate step (e.g. "--fix 2 --max-cost 0.25").
# Results are kept as JSON next to the output: <out>.generate.json and <out>.run.json (upload them as artifacts).
#
# Exit code: 0 when every test passed; otherwise ptc's own code (1 tests failed, 2 config, 3 provider,
# 4 sandbox, 5 unusable reply), so the job log says which kind of failure it was.
set -uo pipefail

prompt=${1:?usage: generate-and-gate.sh "<prompt>" [out-dir]}
out=${2:-generated}
read -r -a ptc <<<"${PTC:-ptc}"
read -r -a extra <<<"${PTC_GENERATE_ARGS:-}"
attempts=${PTC_ATTEMPTS:-2}

# Reads one field of a result file (node is there, since ptc runs on it).
field() {
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const v = process.argv[2].split(".").reduce((o, k) => (o == null ? o : o[k]), r);
    process.stdout.write(v == null ? "" : String(v));' "$1" "$2"
}

# 1. Generate. Files only: the tests run in their own step so the gate reads one clear result.
#    A failure marked retryable (rate limit, timeout, server trouble) is tried again after a pause.
for ((attempt = 1; ; attempt++)); do
  printf '%s\n' "$prompt" | "${ptc[@]}" generate - --json --no-run --force --out "$out" "${extra[@]}" >"$out.generate.json"
  code=$?
  [[ $code -eq 0 ]] && break
  if [[ -s "$out.generate.json" && "$(field "$out.generate.json" error.retryable)" == "true" && $attempt -lt $attempts ]]; then
    echo "ptc generate failed ($(field "$out.generate.json" error.message)); retrying in 10s" >&2
    sleep "${PTC_RETRY_DELAY:-10}"
    continue
  fi
  echo "::error::ptc generate failed (exit $code): $(field "$out.generate.json" error.message)" >&2
  hint=$(field "$out.generate.json" error.hint)
  [[ -n "$hint" ]] && echo "hint: $hint" >&2
  exit "$code"
done
echo "generated $(field "$out.generate.json" files.length) file(s) in $(field "$out.generate.json" outDir) (cost \$$(field "$out.generate.json" cost.usd))" >&2

# 2. Run the tests and gate on the exit code.
"${ptc[@]}" run "$out" --json >"$out.run.json"
code=$?
passed=$(field "$out.run.json" tests.passed)
failed=$(field "$out.run.json" tests.failed)
case $code in
  0) echo "tests passed: ${passed}" >&2 ;;
  1) echo "::error::tests failed: ${failed} failed, ${passed} passed (see $out.run.json)" >&2 ;;
  *) echo "::error::ptc run failed (exit $code): $(field "$out.run.json" error.message)" >&2 ;;
esac
exit "$code"
