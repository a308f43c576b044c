"""JSONLogic rules: the one evaluator of the project (see `koban.rules.engine`)."""

from koban.rules import engine
from koban.rules.engine import *  # noqa: F403 - the engine's public names, listed once in its __all__

__all__ = engine.__all__
