"""Kept for existing imports: see :mod:`rectify.adapters.persistence`."""

from rectify.adapters.persistence import PydanticMapper as PydanticMapper
from rectify.adapters.persistence import env_for_url as env_for_url
