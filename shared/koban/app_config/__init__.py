"""App Factory: a police force composes, checks, publishes and rolls back its citizen app as configuration data.

`models` is the configuration document, `modules` the built-in module types (the default plugin registers them;
other plugins add their own through `koban_app_module_types`), `checks` the findings that stop a publication,
`delivery` what apps receive, `storage` the draft, versions and audit (DynamoDB) and published objects (S3).
"""
