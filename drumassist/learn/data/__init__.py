"""What a model reads of a session: track inputs (features, loudness, roles), the trim
model's level and bleed measures, and corpus sessions with their target gains."""
