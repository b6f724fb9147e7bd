"""HTTP routes, one module per resource; all under /ai/api except the UI redirect."""
