"""Running the service: the `leadsource` command, logs, metrics, backup, the demo, moving
data between databases."""
