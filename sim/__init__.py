"""water-sim."""
