"""Rules, templates, exercises and the draft corpus of the private coach (data, not code)."""
