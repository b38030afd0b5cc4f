"""Typed models of records and policies; the JSON Schemas in `schemas/` are generated from them."""
