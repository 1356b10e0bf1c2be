"""Kept for existing imports: the follower is an entry point now, in
:mod:`rectify.entrypoints.follower` (this alias is the one import allowed upwards: see the layer
contract in pyproject.toml)."""

from rectify.entrypoints.follower import ViewsProjection, follow

__all__ = ["ViewsProjection", "follow"]
