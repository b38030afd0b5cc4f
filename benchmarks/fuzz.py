"""Long fuzz campaigns: many more inputs than the test suite runs (`tests/fuzz/test_fuzz.py`).

    python benchmarks/fuzz.py --seed 1 --inputs 20000 [--start 0] [--save-crashes]

Prints a line per new crash signature and a closing count. With `--save-crashes [DIR]` the
first input of each new signature is written to DIR (default `tests/fuzz/corpus/`), where
`tests/fuzz/test_fuzz.py` replays it on every test run. A case that runs longer than
`--hang-seconds` counts as a crash (a hang is a crash for a CI job).
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.harness import CORPUS, Outcome, run_case, save_crash
from tests.fuzz.mutate import make_case


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Hang


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--save-crashes", metavar="DIR", nargs="?", const=str(CORPUS), default=None)
    parser.add_argument("--hang-seconds", type=int, default=60)
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    signatures: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    crashed = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="selectcheck-fuzz-run-") as workdir:
        for index in range(args.start, args.start + args.inputs):
            case = make_case(args.seed, index)
            kinds[case.target] += 1
            signal.alarm(args.hang_seconds)
            try:
                outcome = run_case(case, Path(workdir))
            except _Hang:
                outcome = Outcome(-1, [f"hang: no answer within {args.hang_seconds} s"])
            finally:
                signal.alarm(0)
            if not outcome.crashed:
                continue
            crashed += 1
            signature = outcome.signature()
            signatures[signature] += 1
            if signatures[signature] == 1:
                where = f" -> {save_crash(case, outcome, Path(args.save_crashes))}" if args.save_crashes else ""
                print(f"[{index}] {case.target} {case.mutation}: {outcome.problems[0][:300]}{where}", flush=True)
    elapsed = time.perf_counter() - started
    print(
        f"seed {args.seed}: {args.inputs} inputs ({dict(kinds)}) in {elapsed:.0f} s; "
        f"{crashed} crashing inputs, {len(signatures)} distinct crashes"
    )
    for signature, count in signatures.most_common():
        print(f"  {count:6}  {signature}")
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
