"""KOBAN domain package: the Lambda layer shared by every function (models, logic, data, rules, plugins)."""

__version__ = "0.1.0"
