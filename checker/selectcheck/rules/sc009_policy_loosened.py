"""SC009 policy-loosened: the pull request's policy makes the checks easier to pass (emitted
by the git stage)."""

from selectcheck.diagnostics import Stage
from selectcheck.rules.registry import declare

declare(
    code="SC009",
    name="policy-loosened",
    severity="error",
    configurable=False,
    waivable=False,
    stage=Stage.GIT,
    summary="(git) the policy loosens the checks compared with the base revision's policy",
    explanation="""
        The policy arrives in the same pull request as the records it judges, so a pull
        request could buy its own green check by editing it: switching a rule off or down,
        moving the record directories, adding a catalog whose facts make a model fit,
        raising the waiver limit or lowering a threshold. When selectcheck compares the
        working tree with a base revision (`--changed-since`, and always in the GitHub
        Action on pull requests) it loads the base revision's effective policy and reports
        every change that can make a failing record pass, at the policy key that makes it.

        Changes that only tighten the checks are not reported: they show up as findings on
        the records. A setting whose direction selectcheck cannot judge is reported whenever
        it changes. The rule cannot be switched off or waived, by design: a weaker policy
        fails the check until it is part of the base revision, so it lands in a pull request
        of its own that reviewers approve knowingly.
    """,
    failing="""
        # .selectcheck.yaml at the base:     # in the pull request:
        policy_version: 1                    policy_version: 1
        rules: {SC207: warning}              rules: {SC207: off}    # SC009
    """,
    passing="""
        # .selectcheck.yaml at the base:     # in the pull request:
        policy_version: 1                    policy_version: 1
        rules: {SC207: warning}              rules: {SC207: error}  # tighter: no finding
    """,
)
