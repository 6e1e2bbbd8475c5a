"""Click commands of the ``fsapp`` CLI, one module per area (each exports ``COMMANDS``)."""
