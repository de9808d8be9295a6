#!/usr/bin/env bash
# Runs every test of the solution and ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")"

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
    || echo "could not install chromium: the browser tests will fail"
fi

# The Postgres tests need a server: the one named by ATES_TEST_POSTGRES, or else a throwaway one on a loopback port
# (scripts/throwaway-postgres.sh installs Debian's postgresql when missing), stopped and deleted when the run ends.
if [ -z "${ATES_TEST_POSTGRES:-}" ]; then
  pg_dir=$(mktemp -d /tmp/ates-test-pg-XXXXXX)
  pg_port=55433
  while (echo >"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
  if ATES_TEST_POSTGRES=$(scripts/throwaway-postgres.sh start "$pg_dir" "$pg_port"); then
    export ATES_TEST_POSTGRES
    trap 'scripts/throwaway-postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
    echo "throwaway PostgreSQL on 127.0.0.1:$pg_port"
  else
    echo "could not start a throwaway PostgreSQL: the Postgres tests will fail"
  fi
fi

# The OpenAPI lint test runs Redocly CLI (tools/openapi-lint, pinned by its lockfile); the generated client's drift test
# runs Kiota (.config/dotnet-tools.json).
if [ ! -d tools/openapi-lint/node_modules ]; then
  npm ci --prefix tools/openapi-lint --no-audit --no-fund >/dev/null || echo "could not install Redocly CLI: the OpenAPI lint test will fail"
fi
dotnet tool restore >/dev/null || echo "could not restore Kiota: the generated client's drift test will fail"

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build Ates.sln -c Release -warnaserror -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test Ates.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" --blame-hang-timeout 5m
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done

# A crashed or aborted run may leave counters that look clean: the exit status says otherwise.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$files" -eq 0 ] || [ $((passed + failed)) -eq 0 ]; then
  echo "no test results were produced"
  failed=$((failed + 1))
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
