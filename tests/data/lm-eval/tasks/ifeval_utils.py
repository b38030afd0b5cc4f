# The real IFEval scoring of lm-evaluation-harness, re-exported so that this local task
# (tests/data/lm-eval/tasks/ifeval.yaml) can name it with `!function`.
from lm_eval.tasks.ifeval.utils import agg_inst_level_acc, process_results

__all__ = ["agg_inst_level_acc", "process_results"]
