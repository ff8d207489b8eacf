"""What the planner knows of a database: its schema, definitions, value index and naming rules."""
