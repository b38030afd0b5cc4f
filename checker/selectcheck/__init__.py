"""selectcheck: checks model-selection records for LLM fine-tuning and deployment."""

import os

__version__ = "0.1.0"

# pydantic looks for third-party plugins through importlib.metadata the first time a model
# is built, which scans every installed distribution (tens of milliseconds, a noticeable
# share of a one-file pre-commit run). selectcheck's models use no plugins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
