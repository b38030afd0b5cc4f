"""Rules: one module per rule code (`scNNN_name.py`), registered in `registry`."""
