"""Regenerate the checked-in gRPC stubs of package `ticketing` from protos/.

`python libs/ticketing/generate.py` rewrites libs/ticketing/src/ticketing;
`python libs/ticketing/generate.py --check` generates into a scratch directory and fails
when the result differs from what is checked in (stubs drifted from the protos).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

from google.rpc import status_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
TARGET = ROOT / "libs" / "ticketing" / "src" / "ticketing"
KEEP = {"py.typed"}


def generate(out_root: Path) -> None:
    out_root.mkdir(parents=True, exist_ok=True)
    protos = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    well_known = str(resources.files("grpc_tools") / "_proto")
    # google/rpc/*.proto (google.rpc.Status), shipped with googleapis-common-protos.
    common = str(Path(status_pb2.__file__).resolve().parents[2])
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"-I{common}",
        f"--python_out={out_root}",
        f"--grpc_python_out={out_root}",
        f"--mypy_out={out_root}",
        f"--mypy_grpc_out={out_root}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    package = out_root / "ticketing"
    for directory in [package, *(d for d in package.rglob("*") if d.is_dir())]:
        (directory / "__init__.py").touch()
    (package / "py.typed").touch()


def differences(left: Path, right: Path) -> list[str]:
    found: list[str] = []
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found += [f"only in checked-in stubs: {name}" for name in cmp.left_only]
    found += [f"missing from checked-in stubs: {name}" for name in cmp.right_only]
    for name in cmp.common_files:
        if (left / name).read_bytes() != (right / name).read_bytes():
            found.append(f"differs: {(left / name).relative_to(ROOT)}")
    for name in cmp.common_dirs:
        found += differences(left / name, right / name)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if checked-in stubs drifted")
    check = parser.parse_args().check
    with tempfile.TemporaryDirectory() as scratch:
        out_root = Path(scratch)
        generate(out_root)
        fresh = out_root / "ticketing"
        if check:
            drift = differences(TARGET, fresh)
            if drift:
                print("Generated stubs drifted from protos/ (run `make protos`):", file=sys.stderr)
                print("\n".join(f"  {line}" for line in drift), file=sys.stderr)
                return 1
            print("stubs match protos/")
            return 0
        shutil.rmtree(TARGET, ignore_errors=True)
        shutil.copytree(fresh, TARGET, ignore=shutil.ignore_patterns("__pycache__"))
        print(f"generated {sum(1 for _ in TARGET.rglob('*.py'))} modules into {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
