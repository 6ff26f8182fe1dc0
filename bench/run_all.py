"""Run every bench script in turn (pass --quick for the short versions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = ["ingest.py", "import.py", "generate.py", "identity.py", "value.py"]


def main() -> int:
    here = Path(__file__).parent
    failed = []
    for name in SCRIPTS:
        script = here / name
        if not script.exists():
            print(f"skip {name}: not present")
            continue
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, str(script), *sys.argv[1:]]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
