"""Evaluation outputs read as evidence: lm-evaluation-harness results and per-item samples,
plain per-item JSONL grades, and Hugging Face model cards with a `model-index`.

Each reader turns bytes into plain, typed data, or raises `EvidenceError` with a message that
says what is wrong and where in the file. Nothing here knows about records, rules or the
command line, and nothing is ever fetched: `files.read_in_repository` reads a cited path
only inside the repository, size-limited, and refuses absolute paths, `..` and symbolic
links that lead out.
"""

from selectcheck.evidence.files import EvidenceError, read_in_repository, split_fragment

__all__ = ["EvidenceError", "read_in_repository", "split_fragment"]
