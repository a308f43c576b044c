"""The KOBAN capability model: the model as data, co-created self-assessment, live indicators and the scorecard."""
