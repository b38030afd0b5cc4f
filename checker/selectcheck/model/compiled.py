"""The record and policy validators, built once per version of the code and kept on disk.

Building a pydantic model's validator (generating its core schema in Python, and loading
pydantic's plugin machinery with `importlib.metadata`) takes longer than a whole one-record
check: about 70 ms of a pre-commit run. The models are declared with `defer_build`, so defining
them builds nothing; the first run builds each validator and pickles the pydantic-core
`SchemaValidator` into the user cache (`loader.user_cache`, keyed by the code fingerprint, so a
changed model is never validated by an old one), and later runs unpickle it in well under a
millisecond. The validator makes the very model instances `Model.model_validate` would.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import SchemaValidator

from selectcheck.loader import user_cache

ModelT = TypeVar("ModelT", bound=BaseModel)


@cache
def _validator(model: type[BaseModel]) -> Any:
    target = user_cache.cache_file("validator", f"{model.__module__}.{model.__qualname__}".encode())
    cached = user_cache.load(target)
    if isinstance(cached, SchemaValidator):
        return cached
    model.model_rebuild()
    built = model.__pydantic_validator__
    # With a pydantic plugin installed the validator is pydantic's plugin wrapper: use it, as
    # model_validate would, but do not cache it (the plugins would be skipped next time).
    if isinstance(built, SchemaValidator):
        user_cache.store(target, built)
    return built


def validate(model: type[ModelT], data: Any, *, strict: bool | None = None) -> ModelT:
    """`model.model_validate(data, strict=strict)`, from the cached validator."""
    instance: ModelT = _validator(model).validate_python(data, strict=strict)
    return instance
