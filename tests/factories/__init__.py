"""Test factories, one for every model (tests/core/test_factories.py checks it)."""

from .assessment import *  # noqa: F403
from .county_mechanisms import *  # noqa: F403
from .registry import *  # noqa: F403
from .workflows import *  # noqa: F403
