"""The embedded default: the handlers of `template.yaml` on one machine, against an in-process moto server.

Nothing here is deployed; the Lambda functions never import this package.
"""
