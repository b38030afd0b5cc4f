#!/usr/bin/env bash
# Fetch, here, the runtime dependencies of selectcheck that the GPU machine's image lacks
# (it has torch, transformers, peft, click, PyYAML, nvidia-ml-py and pytest, and no network),
# as CPython 3.12 manylinux wheels in .whl/, which git ignores. The device run carries the
# folder: see tools/calibration/gpu_check.sh. The versions are those of the environment this runs in.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >>.git/info/exclude
python=${PYTHON:-.venv/bin/python}
pins=$("$python" - <<'PY'
from importlib.metadata import version
names = ["annotated-types", "boolean.py", "gitdb", "GitPython", "jsonschema", "jsonschema-specifications",
         "license-expression", "pydantic", "pydantic_core", "referencing", "rpds-py", "smmap",
         "typing-inspection", "typing_extensions"]
print(" ".join(f"{name}=={version(name)}" for name in names))
PY
)
rm -rf .whl
# shellcheck disable=SC2086  # one argument per pin
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .whl $pins
du -sh .whl
