"""Everything that writes files: where outputs go and how they are written safely, and the writers."""
