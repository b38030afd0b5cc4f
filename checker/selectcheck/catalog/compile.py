"""Write `policy/catalog/compiled.json`: the shipped catalogs as plain JSON, keyed by the
SHA-256 of each YAML file (see `selectcheck.catalog.COMPILED_NAME`).

    python -m selectcheck.catalog.compile

`tests/catalog/test_compiled.py` fails while the committed file is stale.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from selectcheck.catalog import COMPILED_NAME
from selectcheck.loader import load_bytes
from selectcheck.resources import POLICY_DIR

CATALOG_DIR = POLICY_DIR / "catalog"


def compiled(directory: Path = CATALOG_DIR) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for path in sorted(directory.glob("*.yaml")):
        raw = path.read_bytes()
        doc = load_bytes(raw, str(path))
        if doc.failures:
            raise SystemExit(f"{path}: {doc.failures[0].message}")
        result[path.name] = {"sha256": hashlib.sha256(raw).hexdigest(), "data": doc.data}
    return result


def render(directory: Path = CATALOG_DIR) -> str:
    return json.dumps(compiled(directory), ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def main() -> int:
    target = CATALOG_DIR / COMPILED_NAME
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
