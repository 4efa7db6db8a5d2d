#!/usr/bin/env bash
# Validates docs/openapi.json with a real OpenAPI 3.1 validator (@apidevtools/swagger-parser, from
# the npm registry into build/openapi-validator; a second run reuses it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/build/openapi-validator"
if [[ ! -d "$tools/node_modules/@apidevtools/swagger-parser" ]]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error @apidevtools/swagger-parser@10 >/dev/null
fi
NODE_PATH="$tools/node_modules" node -e '
const parser = require("@apidevtools/swagger-parser");
parser.validate(process.argv[1])
  .then(api => console.log(`openapi: ${process.argv[1]} is valid OpenAPI ${api.openapi} (${Object.keys(api.paths).length} paths)`))
  .catch(error => { console.error(`openapi: ${error.message}`); process.exit(1); });
' "$root/docs/openapi.json"
