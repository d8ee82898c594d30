# Recipes for bootc-live. `npx just --list` shows them. The npm scripts (npm test, npm run demo)
# are the entry points on a fresh machine: they install what is needed first.

set shell := ["bash", "-euo", "pipefail", "-c"]

# compile TypeScript to dist/
build:
    npx tsc -p tsconfig.build.json

# the whole test suite (as CI runs it)
test *ARGS:
    bash scripts/test.sh {{ARGS}}
