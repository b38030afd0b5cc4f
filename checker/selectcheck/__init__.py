"""selectcheck: checks model-selection records for LLM fine-tuning and deployment."""

__version__ = "0.1.0"
